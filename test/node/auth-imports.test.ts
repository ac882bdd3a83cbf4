import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const authDir = join(root, "worker/auth");

/** The project files a module imports or re-exports from, type-only ones included. */
function localImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => {
      const target = resolve(dirname(file), name);
      if (!existsSync(target)) throw new Error(`${relative(root, file)} imports ${name}, which is not a file`);
      return target;
    });
}

/** A chain of imports that leads from `start` back to it, if there is one. */
function cycleThrough(start: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (file: string, path: string[]): string[] | undefined => {
    for (const next of localImports(file)) {
      if (next === start) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start])?.map((file) => relative(root, file));
}

describe("worker/auth imports", () => {
  it("put no auth module on an import cycle", () => {
    const modules = readdirSync(authDir).filter((name) => name.endsWith(".ts"));
    expect(modules).toContain("api-key.ts");
    for (const name of modules) expect(cycleThrough(join(authDir, name)), name).toBeUndefined();
  });
});
