// `npm run client:generate`: regenerates client/schema.d.ts (the typed client's types) from the OpenAPI document.
// By default the document is built here from the Worker's own app (worker/app.ts), exactly as the Worker serves it
// (test/e2e/client-schema.test.ts checks both that and that the checked-in file matches); `--url http://…` reads it
// from a running gateway instead.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_SCHEMA_PATH, clientSchemaSource } from "./client-schema.ts";

const { values } = parseArgs({ options: { url: { type: "string" } } });

async function servedDocument(): Promise<unknown> {
  if (values.url) {
    const res = await fetch(new URL("/api/v1/openapi.json", values.url));
    if (!res.ok) throw new Error(`${values.url} answered ${res.status} for /api/v1/openapi.json`);
    return res.json();
  }
  // Through a variable, so that this Node script's typecheck does not take in the Worker's (workerd-typed) sources.
  const workerApp = "../worker/app.ts";
  const { app, OPENAPI_CONFIG } = (await import(workerApp)) as { app: { getOpenAPI31Document(config: unknown): unknown }; OPENAPI_CONFIG: unknown };
  return app.getOpenAPI31Document(OPENAPI_CONFIG);
}

const target = join(import.meta.dirname, "..", CLIENT_SCHEMA_PATH);
await writeFile(target, await clientSchemaSource(await servedDocument()));
console.log(`wrote ${CLIENT_SCHEMA_PATH}`);
