import { z } from "zod";
import { type SettingsGroup, definedOnly } from "./define.ts";

/**
 * Calls started by the bot (docs/api.md, "Calls started by the bot"): off by default. `destinations` are E.164
 * prefixes (`+33`, `+1415555`) or ISO country codes (`FR`); a number to call must match one. `trunk` is the
 * outbound SIP trunk LiveKit dials through; its password is write-only: stored, sent to LiveKit, never shown or
 * logged (GET shows `passwordSet`).
 */
export const OUTBOUND_LIMITS = { maxConcurrent: { min: 1, max: 100, default: 2 }, destinations: 50 } as const;

const Destination = z
  .string()
  .trim()
  .regex(/^(\+[0-9]{1,15}|[A-Za-z]{2})$/, "an E.164 prefix such as +33 or +1415, or a two-letter country code such as FR")
  .transform((value) => (value.startsWith("+") ? value : value.toUpperCase()));

/** A SIP host (`sip.example.com`, `203.0.113.5:5060`), as LiveKit's outbound trunk `address` takes it. */
const TrunkAddress = z
  .string()
  .trim()
  .max(253)
  .regex(/^$|^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/, "a SIP host name or address, optionally with :port (no sip: prefix)");

const TrunkPatch = z
  .object({
    address: TrunkAddress,
    username: z.string().max(128),
    /** Write-only. An empty string removes it. */
    password: z.string().max(256),
  })
  .partial()
  .strict();

const OutboundPatch = z
  .object({
    enabled: z.boolean(),
    destinations: z.array(Destination).max(OUTBOUND_LIMITS.destinations),
    maxConcurrent: z.number().int().min(OUTBOUND_LIMITS.maxConcurrent.min).max(OUTBOUND_LIMITS.maxConcurrent.max),
    trunk: TrunkPatch,
  })
  .partial()
  .strict();

const OutboundView = z.object({
  enabled: z.boolean(),
  destinations: z.array(z.string()),
  maxConcurrent: z.number().int(),
  trunk: z.object({ address: z.string(), username: z.string(), passwordSet: z.boolean() }),
});

/** The outbound settings with every field present (what the stored, possibly partial, value means). */
export interface Outbound {
  enabled: boolean;
  destinations: string[];
  maxConcurrent: number;
  trunk: { address: string; username: string; password: string };
}

export const OUTBOUND_DEFAULTS: Outbound = {
  enabled: false,
  destinations: [],
  maxConcurrent: OUTBOUND_LIMITS.maxConcurrent.default,
  trunk: { address: "", username: "", password: "" },
};

type StoredOutbound = z.infer<typeof OutboundPatch>;

/** The stored value read with every field filled in. */
export function outboundOf(stored: StoredOutbound | undefined): Outbound {
  return {
    ...OUTBOUND_DEFAULTS,
    ...definedOnly(stored ?? {}),
    trunk: { ...OUTBOUND_DEFAULTS.trunk, ...definedOnly(stored?.trunk ?? {}) },
  } as Outbound;
}

export const outboundSettings: SettingsGroup<{ outbound: typeof OutboundPatch }, { outbound: typeof OutboundView }> = {
  patch: { outbound: OutboundPatch },
  view: { outbound: OutboundView },
  defaults: { outbound: OUTBOUND_DEFAULTS },
  // A PATCH names only what changes: the rest, the stored password above all, is kept.
  merge: (stored, change) => {
    const before = outboundOf(stored.outbound);
    const patch = change.outbound ?? {};
    return {
      outbound: { ...before, ...definedOnly(patch), trunk: { ...before.trunk, ...definedOnly(patch.trunk ?? {}) } },
    };
  },
  toView: (stored) => {
    const { trunk, ...rest } = outboundOf(stored.outbound);
    return { outbound: { ...rest, trunk: { address: trunk.address, username: trunk.username, passwordSet: trunk.password !== "" } } };
  },
};

/** Whether `number` (E.164) is one the service may call: it starts with a listed prefix or is in a listed country. */
export function destinationAllowed(number: string, destinations: readonly string[], countryOf: (e164: string) => string | undefined): boolean {
  const country = countryOf(number);
  return destinations.some((d) => (d.startsWith("+") ? number.startsWith(d) : d === country));
}
