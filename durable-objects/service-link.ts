import type { ServiceSettings } from "../protocol/service-settings.ts";

/**
 * What a live call keeps of its service, so that neither the send API nor delivery to the bot has to ask the
 * service: the hash of the service's current token and where messages for the bot go. The service pushes a new
 * link to each of its live calls at every change (a new token, a reconfiguration, a deletion) before the change is
 * answered; a call started meanwhile gets the link with its start. Links can arrive out of order, so a call keeps
 * the one with the highest version.
 */
export interface ServiceLink {
  /** The service's configuration version; it grows with every change. */
  version: number;
  /** SHA-256 (hex) of the service's current token; "" once the service is deleted. */
  tokenHash: string;
  /** Where messages for the bot go; null once the service is deleted. */
  target: DeliveryTarget | null;
  /** The account that owns the service, for the call's logs; absent from links kept by older versions. */
  accountId?: string;
  /** The service's settings (protocol/service-settings.ts); absent from links kept by older versions. */
  settings?: ServiceSettings;
}

/** The bot's URL (and the bot token we send, if any), or the portal's test chat when the service is in demo mode. */
export type DeliveryTarget = { kind: "bot"; url: string; token: string | null } | { kind: "test_chat" };
