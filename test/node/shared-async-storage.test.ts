import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { execFile } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SharedAsyncLocalStorage } from "../../agent/shared-async-storage.ts";

type StorageClass = new <T>() => AsyncLocalStorage<T>;

/** Each scenario returns what the storages held at each step; Node's own class says what is right. */
const scenarios: Record<string, (Storage: StorageClass) => Promise<unknown[]>> = {
  "run: the store across awaits, timers and events, and none outside": async (Storage) => {
    const a = new Storage<string>();
    const seen: unknown[] = [a.getStore()];
    const events = new EventEmitter();
    await a.run("call-1", async () => {
      seen.push(a.getStore());
      await sleep(1);
      seen.push(a.getStore());
      setTimeout(() => events.emit("tick", a.getStore()), 1);
    });
    seen.push(a.getStore(), ...(await once(events, "tick")));
    return seen;
  },
  "two storages nested: each keeps its own, the inner run ends": async (Storage) => {
    const a = new Storage<number>();
    const b = new Storage<string>();
    const seen: unknown[] = [];
    await a.run(1, async () => {
      await b.run("x", async () => {
        await null;
        seen.push(a.getStore(), b.getStore());
        await a.run(2, async () => {
          await sleep(1);
          seen.push(a.getStore(), b.getStore());
        });
        seen.push(a.getStore(), b.getStore());
      });
      seen.push(a.getStore(), b.getStore());
    });
    return seen;
  },
  "concurrent runs do not see each other": async (Storage) => {
    const a = new Storage<string>();
    const one = a.run("one", async () => {
      await sleep(5);
      return a.getStore();
    });
    const two = a.run("two", async () => {
      await sleep(1);
      return a.getStore();
    });
    return Promise.all([one, two]);
  },
  "enterWith: from here on in the running context (an async function's caller's too, until its first await), undone when a run ends": async (Storage) => {
    const a = new Storage<string>();
    const b = new Storage<string>();
    const seen: unknown[] = [];
    await b.run("kept", async () => {
      const inner = async () => {
        a.enterWith("entered");
        await null;
        seen.push(a.getStore(), b.getStore());
      };
      await inner();
      seen.push(a.getStore());
      a.run("run", () => {
        a.enterWith("entered in run");
        seen.push(a.getStore());
      });
      seen.push(a.getStore(), b.getStore());
    });
    return seen;
  },
  "exit: none inside, the other storage kept, back after": async (Storage) => {
    const a = new Storage<string>();
    const b = new Storage<string>();
    const seen: unknown[] = [];
    await a.run("a", () =>
      b.run("b", async () => {
        await a.exit(async () => {
          seen.push(a.getStore(), b.getStore());
          await sleep(1);
          seen.push(a.getStore(), b.getStore());
        });
        seen.push(a.getStore(), b.getStore());
      }),
    );
    return seen;
  },
  "disable: none until the next run": async (Storage) => {
    const a = new Storage<string>();
    const seen: unknown[] = [];
    await a.run("before", async () => {
      a.disable();
      seen.push(a.getStore());
      await sleep(1);
      seen.push(a.getStore());
      a.run("again", () => seen.push(a.getStore()));
    });
    return seen;
  },
  "snapshot and AsyncResource.bind carry the store": async (Storage) => {
    const a = new Storage<string>();
    const [snapshot, bound] = a.run("captured", () => [AsyncLocalStorage.snapshot(), AsyncResource.bind(() => a.getStore())]);
    return [snapshot!(() => a.getStore()), bound!(), a.run("other", () => snapshot!(() => a.getStore()))];
  },
};

describe("SharedAsyncLocalStorage behaves as Node's AsyncLocalStorage", () => {
  it("is one", () => {
    expect(new SharedAsyncLocalStorage()).toBeInstanceOf(AsyncLocalStorage);
  });

  const expected: Record<keyof typeof scenarios, unknown[]> = {
    "run: the store across awaits, timers and events, and none outside": [undefined, "call-1", "call-1", undefined, "call-1"],
    "two storages nested: each keeps its own, the inner run ends": [1, "x", 2, "x", 1, "x", 1, undefined],
    "concurrent runs do not see each other": ["one", "two"],
    "enterWith: from here on in the running context (an async function's caller's too, until its first await), undone when a run ends": ["entered", "kept", "entered", "entered in run", "entered", "kept"],
    "exit: none inside, the other storage kept, back after": [undefined, "b", undefined, "b", "a", "b"],
    "disable: none until the next run": [undefined, undefined, "again"],
    "snapshot and AsyncResource.bind carry the store": ["captured", "captured", "captured"],
  };

  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      // Node's own class first: the expectation is Node's behaviour, written out so that a change in either shows.
      expect(await scenario(AsyncLocalStorage)).toEqual(expected[name]);
      expect(await scenario(SharedAsyncLocalStorage)).toEqual(expected[name]);
    });
  }
});

describe("agent/share-async-storage.ts", () => {
  it("makes the framework's storages, loaded after it, shared ones that its tasks still find", async () => {
    // A process of its own: the install is process-wide.
    const script = `
      await import("./agent/share-async-storage.ts");
      const { AsyncLocalStorage } = await import("node:async_hooks");
      const { SharedAsyncLocalStorage } = await import("./agent/shared-async-storage.ts");
      const { initializeLogger } = await import("@livekit/agents");
      const { frameworkStorageReport } = await import("./test/agent/framework-storage-report.ts");
      initializeLogger({ pretty: false, level: "error" });
      const storage = new AsyncLocalStorage() instanceof SharedAsyncLocalStorage;
      console.log(JSON.stringify({ storage, ...(await frameworkStorageReport()) }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("../..", import.meta.url),
    });
    expect(JSON.parse(stdout)).toEqual({ storage: true, frameworkStorageShared: true, taskFindsItself: true });
  });
});
