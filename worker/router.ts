import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./auth/api-key.ts";
import { invalidInput } from "./errors.ts";

/** A router whose request validation failures all become `400 {error, details}`. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidInput(result.error.issues);
    },
  });
}

export const json = <T>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
