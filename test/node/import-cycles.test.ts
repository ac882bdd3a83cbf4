import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph, sourceFiles } from "../support/import-graph.ts";

const root = resolve(import.meta.dirname, "../..");
const name = (file: string) => relative(root, file);
const cyclesIn = (graph: ReturnType<typeof importGraph>) => importCycles(graph).map((cycle) => cycle.map(name).join(" → "));

describe("the gateway's modules (protocol, Durable Objects, Worker)", () => {
  const graph = importGraph(["protocol", "durable-objects", "worker"].flatMap((dir) => sourceFiles(join(root, dir))));
  const definesDurableObject = (file: string) => /from "cloudflare:workers"/.test(readFileSync(file, "utf8"));

  it("see each other's imports, type-only ones included", () => {
    const conversation = graph.get(join(root, "durable-objects/conversation.ts"))!;
    expect(conversation.map((e) => name(e.target))).toContain("durable-objects/bindings.ts");
    expect(graph.get(join(root, "worker/env.ts"))!.map((e) => name(e.target))).toEqual(["durable-objects/bindings.ts"]);
    expect(graph.get(join(root, "worker/auth/session.ts"))!.map((e) => name(e.target))).toContain("worker/auth/account-context.ts");
    expect(definesDurableObject(join(root, "durable-objects/service.ts"))).toBe(true);
  });

  it("import each other without cycles (through the Durable Objects, worker/auth or anywhere else)", () => {
    expect(cyclesIn(graph)).toEqual([]);
  });

  it("keep the Durable Objects from importing the Worker's bindings or routes", () => {
    const reachingBack = [...graph]
      .filter(([file]) => name(file).startsWith("durable-objects/"))
      .flatMap(([file, edges]) => edges.map((e) => [name(file), name(e.target)] as const))
      .filter(([, target]) => target === "worker/env.ts" || target.startsWith("worker/routes/") || target === "worker/app.ts");
    expect(reachingBack).toEqual([]);
  });

  it("load no Durable Object class into the Worker's routes (only worker/index.ts exports them)", () => {
    const loaded = [...graph]
      .filter(([file]) => name(file).startsWith("worker/") && name(file) !== "worker/index.ts")
      .flatMap(([file, edges]) => edges.filter((e) => !e.typeOnly && definesDurableObject(e.target)).map((e) => `${name(file)} → ${name(e.target)}`));
    expect(loaded).toEqual([]);
  });
});

describe("the portal's modules", () => {
  const webSource = join(root, "web/src");
  const graph = importGraph(sourceFiles(webSource));

  it("import each other without cycles", () => {
    // The walk does see imports: App imports the pages.
    expect(graph.get(join(webSource, "App.tsx"))!.map((e) => e.target)).toContain(join(webSource, "pages/Services.tsx"));
    expect(cyclesIn(graph)).toEqual([]);
  });
});
