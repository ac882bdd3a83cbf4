import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");

/**
 * A benchmark's baseline: `rev` checked out beside this tree (a detached git worktree sharing this tree's
 * node_modules), so that its code runs in the same run as this tree's. A package that the two trees patch differently
 * (patches/, applied by patch-package on install) is the baseline's own: a copy with this tree's patch taken out and
 * the baseline's put in; then the baseline's processes need `nodeArgs` (`--preserve-symlinks`), so that the packages
 * linked from this tree load the baseline's copy too, not this tree's. `remove` deletes it.
 */
export function baselineCheckout(rev: string): { root: string; commit: string; nodeArgs: string[]; remove: () => void } {
  const commit = execFileSync("git", ["rev-parse", "--short", `${rev}^{commit}`], { cwd: repo, encoding: "utf8" }).trim();
  const root = mkdtempSync(join(tmpdir(), "phonemybot-baseline-"));
  execFileSync("git", ["worktree", "add", "--detach", root, commit], { cwd: repo, stdio: "ignore" });
  const remove = () => execFileSync("git", ["worktree", "remove", "--force", root], { cwd: repo, stdio: "ignore" });
  const differing = differentlyPatched(patchesIn(join(repo, "patches")), patchesIn(join(root, "patches")));
  try {
    if (differing.length === 0) symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
    else {
      linkPackages(join(repo, "node_modules"), join(root, "node_modules"));
      for (const { name, ours, theirs } of differing) {
        const copy = join(root, "node_modules", name);
        rmSync(copy);
        cpSync(join(repo, "node_modules", name), copy, { recursive: true });
        // The patches name their files from the repository's root (a/node_modules/…): applied in the worktree's root.
        if (ours) execFileSync("git", ["apply", "--reverse", join(repo, "patches", ours)], { cwd: root, stdio: "pipe" });
        if (theirs) execFileSync("git", ["apply", join(root, "patches", theirs)], { cwd: root, stdio: "pipe" });
      }
    }
  } catch (error) {
    remove();
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    throw new Error(`baseline ${commit}: its packages could not be set up (does node_modules match this tree's patches/?): ${detail}`);
  }
  return { root, commit, nodeArgs: differing.length === 0 ? [] : ["--preserve-symlinks"], remove };
}

/** patch-package's files in `dir` by the package they patch (`@scope+name+1.2.3.patch` patches `@scope/name`). */
export function patchesIn(dir: string): Map<string, { file: string; text: string }> {
  const patches = new Map<string, { file: string; text: string }>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith(".patch"));
  } catch {
    return patches; // no patches/ at that revision
  }
  for (const file of files) {
    const parts = file.slice(0, -".patch".length).split("+");
    if (parts.includes("") || parts.length < 2 || parts.length > 3) throw new Error(`patches/${file}: not a patch of one top-level package`);
    patches.set(parts.slice(0, -1).join("/"), { file, text: readFileSync(join(dir, file), "utf8") });
  }
  return patches;
}

/** The packages whose patch is not the same in both trees, with each tree's patch file (if any). */
export function differentlyPatched(
  ours: Map<string, { file: string; text: string }>,
  theirs: Map<string, { file: string; text: string }>,
): { name: string; ours?: string; theirs?: string }[] {
  const names = new Set([...ours.keys(), ...theirs.keys()]);
  return [...names]
    .filter((name) => ours.get(name)?.text !== theirs.get(name)?.text)
    .map((name) => ({ name, ours: ours.get(name)?.file, theirs: theirs.get(name)?.file }));
}

/** `to` as a directory of links to each package of `from` (each `@scope/` entry its own directory of links). */
function linkPackages(from: string, to: string): void {
  mkdirSync(to);
  for (const entry of readdirSync(from)) {
    if (entry.startsWith("@")) {
      mkdirSync(join(to, entry));
      for (const name of readdirSync(join(from, entry))) symlinkSync(join(from, entry, name), join(to, entry, name));
    } else symlinkSync(join(from, entry), join(to, entry));
  }
}
