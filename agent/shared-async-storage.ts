import { AsyncLocalStorage } from "node:async_hooks";

/** What every shared storage holds in the current async context: one entry per storage that has a value. */
type Frame = ReadonlyMap<object, unknown>;

/**
 * The one AsyncLocalStorage of Node's that the shared ones ride on. On Node 20 each enabled AsyncLocalStorage adds its
 * own step to a hook that runs for every promise the process makes; the framework enables four and we one, at
 * ~190 promises per 40 ms frame of a caller's audio. Shared, they pay one step (Node 24's AsyncContextFrame does
 * the same inside V8).
 */
const root = new AsyncLocalStorage<Frame>();
const empty: Frame = new Map();

function currentFrameWith(storage: object, store: unknown): Frame {
  return new Map(root.getStore() ?? empty).set(storage, store);
}

function currentFrameWithout(storage: object): Frame {
  const frame = new Map(root.getStore() ?? empty);
  frame.delete(storage);
  return frame;
}

/**
 * An AsyncLocalStorage with Node's behaviour (run, getStore, enterWith, exit, disable) whose stores live in the
 * shared root's frame. It extends Node's class so that `instanceof` and the static `bind`/`snapshot` (which capture
 * the whole async context, the root's frame included) still hold; Node's own state in it is never enabled.
 */
export class SharedAsyncLocalStorage<T> extends AsyncLocalStorage<T> {
  #disabled = false;

  override getStore(): T | undefined {
    if (this.#disabled) return undefined;
    return root.getStore()?.get(this) as T | undefined;
  }

  override run<R>(store: T, callback: () => R): R;
  override run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    this.#disabled = false;
    return root.run(currentFrameWith(this, store), callback, ...args);
  }

  override enterWith(store: T): void {
    this.#disabled = false;
    root.enterWith(currentFrameWith(this, store));
  }

  override exit<R, A extends unknown[]>(callback: (...args: A) => R, ...args: A): R {
    return root.run(currentFrameWithout(this), callback, ...args);
  }

  /** As Node's: getStore() answers undefined everywhere until the next run() or enterWith(). */
  override disable(): void {
    this.#disabled = true;
  }
}
