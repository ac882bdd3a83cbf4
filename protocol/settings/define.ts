import { z } from "zod";

/**
 * One group of a service's settings (call control, conversation, voice, bot platform…): the fields `PATCH
 * /services/{id}` accepts, their defaults, and what `GET` shows of them. Groups are stored together as one JSON
 * document on the service (durable-objects/service.ts) and reach live calls with the service's link, so a new
 * setting needs no storage change: add it to its group and to protocol/service-settings.ts.
 */
export interface SettingsGroup<Patch extends z.ZodRawShape, View extends z.ZodRawShape> {
  /** What PATCH accepts; every field optional there. */
  patch: Patch;
  /** What GET shows (differs from `patch` only where a secret is write-only). */
  view: View;
  defaults: z.infer<z.ZodObject<Patch>>;
  /** The stored value after a PATCH (e.g. keeps a write-only password the PATCH left out). */
  merge(stored: z.infer<z.ZodObject<Patch>>, patch: Partial<z.infer<z.ZodObject<Patch>>>): z.infer<z.ZodObject<Patch>>;
  /** What GET shows of the stored value (e.g. a password as "set", never its value). */
  toView(stored: z.infer<z.ZodObject<Patch>>): z.infer<z.ZodObject<View>>;
}

/** A group whose view is its stored value and whose PATCH replaces each field it names. */
export function plainSettings<Patch extends z.ZodRawShape>(
  patch: Patch,
  defaults: z.infer<z.ZodObject<Patch>>,
): SettingsGroup<Patch, Patch> {
  return {
    patch,
    view: patch,
    defaults,
    merge: (stored, change) => ({ ...stored, ...definedOnly(change) }),
    toView: (stored) => stored,
  };
}

export function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
