import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");

/**
 * A benchmark's baseline: `rev` checked out beside this tree (a detached git worktree sharing this tree's
 * node_modules), so that its code runs in the same run as this tree's. `remove` deletes it.
 */
export function baselineCheckout(rev: string): { root: string; commit: string; remove: () => void } {
  const commit = execFileSync("git", ["rev-parse", "--short", `${rev}^{commit}`], { cwd: repo, encoding: "utf8" }).trim();
  const root = mkdtempSync(join(tmpdir(), "phonemybot-baseline-"));
  execFileSync("git", ["worktree", "add", "--detach", root, commit], { cwd: repo, stdio: "ignore" });
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
  const remove = () => execFileSync("git", ["worktree", "remove", "--force", root], { cwd: repo, stdio: "ignore" });
  return { root, commit, remove };
}
