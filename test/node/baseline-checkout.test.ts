import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentlyPatched, patchesIn } from "../../scripts/load/baseline-checkout.ts";

function patchesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "patches-"));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe("bench baselines and patched packages (scripts/load/baseline-checkout.ts)", () => {
  it("reads patch-package's file names as the packages they patch", () => {
    const patches = patchesIn(patchesDir({ "@livekit+agents+1.9.0.patch": "a", "ws+8.18.0.patch": "b", "README.md": "not a patch" }));
    expect([...patches].map(([name, { file }]) => [name, file])).toEqual([
      ["@livekit/agents", "@livekit+agents+1.9.0.patch"],
      ["ws", "ws+8.18.0.patch"],
    ]);
    expect(patchesIn(join(tmpdir(), "no-such-patches-dir")).size).toBe(0);
    // A nested package's patch (a++b) cannot be given its own copy by the checkout: refused, not mis-read.
    expect(() => patchesIn(patchesDir({ "a++b+1.0.0.patch": "c" }))).toThrow(/not a patch of one top-level package/);
  });

  it("gives the baseline its own copy of a package only where the two trees' patches differ", () => {
    const ours = patchesIn(patchesDir({ "@livekit+agents+1.9.0.patch": "same", "@livekit+agents-plugin-silero+1.9.0.patch": "new", "ws+8.18.0.patch": "v2" }));
    const theirs = patchesIn(patchesDir({ "@livekit+agents+1.9.0.patch": "same", "ws+8.18.0.patch": "v1", "zod+4.0.0.patch": "gone" }));
    expect(differentlyPatched(ours, theirs)).toEqual([
      { name: "@livekit/agents-plugin-silero", ours: "@livekit+agents-plugin-silero+1.9.0.patch", theirs: undefined },
      { name: "ws", ours: "ws+8.18.0.patch", theirs: "ws+8.18.0.patch" },
      { name: "zod", ours: undefined, theirs: "zod+4.0.0.patch" },
    ]);
    expect(differentlyPatched(ours, ours)).toEqual([]);
  });
});
