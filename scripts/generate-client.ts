// `npm run client:generate`: regenerates client/schema.d.ts (the typed client's types) from the OpenAPI document.
// By default the document is built here from the Worker's own app, as the Worker serves it; `--url http://…` reads
// it from a running gateway instead. test/e2e/client-schema.test.ts fails when the checked-in file is out of date.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_SCHEMA_PATH, clientSchemaSource, workerAppDocument } from "./client-schema.ts";

const { values } = parseArgs({ options: { url: { type: "string" } } });

async function servedDocument(url: string): Promise<unknown> {
  const res = await fetch(new URL("/api/v1/openapi.json", url));
  if (!res.ok) throw new Error(`${url} answered ${res.status} for /api/v1/openapi.json`);
  return res.json();
}

const document = values.url ? await servedDocument(values.url) : await workerAppDocument();
await writeFile(join(import.meta.dirname, "..", CLIENT_SCHEMA_PATH), await clientSchemaSource(document));
console.log(`wrote ${CLIENT_SCHEMA_PATH}`);
