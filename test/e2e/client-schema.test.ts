import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_SCHEMA_PATH, REGENERATE_COMMAND, clientSchemaSource, workerAppDocument } from "../../scripts/client-schema.ts";
import { type Gateway, startGateway } from "./server.ts";

/**
 * The typed client (client/) can't drift from the API: its checked-in types must be what openapi-typescript makes
 * of the OpenAPI document `npm start`'s gateway serves, and `npm run client:generate` (which builds the document
 * from the Worker's app in Node, without a gateway) must see that same document.
 */
const root = resolve(import.meta.dirname, "../..");
let gateway: Gateway;
let served: unknown;

beforeAll(async () => {
  gateway = await startGateway({}, { agent: false });
  const res = await fetch(`${gateway.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  served = await res.json();
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
}, 30_000);

describe("the typed client's generated types", () => {
  it(`match the served OpenAPI document (else: ${REGENERATE_COMMAND})`, async () => {
    const checkedIn = await readFile(join(root, CLIENT_SCHEMA_PATH), "utf8");
    const regenerated = await clientSchemaSource(served);
    expect(checkedIn === regenerated, `${CLIENT_SCHEMA_PATH} is out of date with GET /api/v1/openapi.json: run \`${REGENERATE_COMMAND}\` and commit it`).toBe(true);
  });

  it("are regenerated from the same document the gateway serves", async () => {
    expect(await workerAppDocument(), `${REGENERATE_COMMAND} builds a different document than the gateway serves: run it with --url <gateway>`).toEqual(served);
  });
});
