import { z } from "zod";

/** Portal sessions (`/api/v1/session`, worker/routes/session.ts): what log-in and the session probe answer. */

export const AccountSchema = z.object({ id: z.string(), email: z.string() });

export const SessionSchema = z.object({
  account: AccountSchema,
  /** Send it back as `X-CSRF-Token` on every state-changing request made with the session cookie. */
  csrfToken: z.string(),
  expiresAt: z.string(),
});

/** `GET /api/v1/session`: a signed-out visitor is an answer, not an error, so the portal's first load fails nothing. */
export const SessionProbeSchema = z.discriminatedUnion("signedIn", [
  SessionSchema.extend({ signedIn: z.literal(true) }),
  z.object({ signedIn: z.literal(false) }),
]);

export type Account = z.infer<typeof AccountSchema>;
export type SessionInfo = z.infer<typeof SessionSchema>;
export type SessionProbe = z.infer<typeof SessionProbeSchema>;
