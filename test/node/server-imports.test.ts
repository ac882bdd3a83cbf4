import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const serverDirs = ["protocol", "durable-objects", "worker"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) ? [path] : [];
  });
}

interface Edge {
  target: string;
  /** Erased at run time: `import type`, or only `type` specifiers. */
  typeOnly: boolean;
}

/** Each module's relative imports and re-exports, as absolute paths, with whether each is type-only. */
function importGraph(files: string[]): Map<string, Edge[]> {
  return new Map(
    files.map((file) => {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
      const edges: Edge[] = [];
      for (const statement of source.statements) {
        let specifier: ts.Expression | undefined;
        let typeOnly = false;
        if (ts.isImportDeclaration(statement)) {
          specifier = statement.moduleSpecifier;
          const clause = statement.importClause;
          const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
          typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
        } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
          specifier = statement.moduleSpecifier;
          const named = statement.exportClause && ts.isNamedExports(statement.exportClause) ? statement.exportClause.elements : undefined;
          typeOnly = statement.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
        }
        if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith(".")) {
          edges.push({ target: resolve(dirname(file), specifier.text), typeOnly });
        }
      }
      return [file, edges];
    }),
  );
}

/** The cycles found by a depth-first walk, each as the modules around it (type-only imports count). */
function cycles(graph: Map<string, Edge[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "visiting");
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      if (state.get(target) === "visiting") found.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target) && graph.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

const name = (file: string) => relative(root, file);
const graph = importGraph(serverDirs.flatMap((dir) => sourceFiles(join(root, dir))));
const definesDurableObject = (file: string) => /from "cloudflare:workers"/.test(readFileSync(file, "utf8"));

describe("the gateway's modules (protocol, Durable Objects, Worker)", () => {
  it("see each other's imports, type-only ones included", () => {
    const conversation = graph.get(join(root, "durable-objects/conversation.ts"))!;
    expect(conversation.map((e) => name(e.target))).toContain("durable-objects/bindings.ts");
    expect(graph.get(join(root, "worker/env.ts"))!.map((e) => name(e.target))).toEqual(["durable-objects/bindings.ts"]);
    expect(definesDurableObject(join(root, "durable-objects/service.ts"))).toBe(true);
  });

  it("have no import cycle through a Durable Object's modules", () => {
    const throughObjects = cycles(graph)
      .map((cycle) => cycle.map(name))
      .filter((cycle) => cycle.some((file) => file.startsWith("durable-objects/")));
    expect(throughObjects.map((cycle) => cycle.join(" → "))).toEqual([]);
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
