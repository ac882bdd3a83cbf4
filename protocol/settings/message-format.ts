import { z } from "zod";
import { plainSettings } from "./define.ts";

/**
 * How our messages to the bot spell `new`, `last` and unknown fields: `seed` sends "true"/"false" strings and ""
 * for an unknown `from`, `to` or `opaque`; `booleans` sends JSON booleans and null, as the real PhoneMyBot does.
 */
export const MESSAGE_FORMATS = ["seed", "booleans"] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

export const messageFormatSettings = plainSettings({ messageFormat: z.enum(MESSAGE_FORMATS) }, { messageFormat: "seed" });
