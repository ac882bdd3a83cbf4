import { createContext, useContext } from "react";
import type { Account } from "../../protocol/session.ts";

/** The signed-in portal's shared state: App provides it, the pages read it with `usePortal`. */

export interface Flash {
  kind: "success" | "info";
  text: string;
  /** The page the message is for; it is not shown elsewhere. */
  path: string;
}

export interface PortalState {
  account: Account;
  logOut: () => Promise<void>;
  /** PhoneMyBot tokens issued during this visit, by service: the API shows a token only when it issues it. */
  issuedTokens: Record<string, { token: string; issuedAt: number }>;
  rememberToken: (serviceId: string, token: string) => void;
  flash: Flash | null;
  setFlash: (flash: Flash | null) => void;
  /** The API key shown once after sign-up. */
  firstApiKey: string | null;
  clearFirstApiKey: () => void;
}

const Portal = createContext<PortalState | null>(null);

export const PortalProvider = Portal.Provider;

export function usePortal(): PortalState {
  const state = useContext(Portal);
  if (!state) throw new Error("usePortal outside the signed-in portal");
  return state;
}
