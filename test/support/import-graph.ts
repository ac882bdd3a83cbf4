import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

/** Every .ts/.tsx file under `dir`. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

export interface ImportEdge {
  target: string;
  /** Erased at run time: `import type`, or only `type` specifiers. */
  typeOnly: boolean;
}

/** Each module's relative imports and re-exports, as absolute paths, with whether each is type-only. */
export function importGraph(files: string[]): Map<string, ImportEdge[]> {
  return new Map(
    files.map((file) => {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
      const edges: ImportEdge[] = [];
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

/** The cycles a depth-first walk finds, each as the modules around it (type-only imports count). */
export function importCycles(graph: Map<string, ImportEdge[]>): string[][] {
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
