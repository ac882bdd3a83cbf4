/**
 * Whether the framework's AsyncLocalStorages in this process are shared ones (agent/shared-async-storage.ts) and whether
 * a task of the framework's still finds itself through them: for tests that install the shared storages in a process
 * of their own (the install is process-wide). Import it after the install.
 */
// The framework's module by path, as the process loaded it (its Task is not exported by the package).
import { Task } from "../../node_modules/@livekit/agents/dist/utils.js";
import { SharedAsyncLocalStorage } from "../../agent/shared-async-storage.ts";

export async function frameworkStorageReport(): Promise<{ frameworkStorageShared: boolean; taskFindsItself: boolean }> {
  const task: Task<boolean> = Task.from(async (): Promise<boolean> => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return Task.current() === task;
  });
  // A private static of the framework's: the storage its tasks are found through.
  const frameworkStorage = (Task as unknown as { currentTaskStorage: unknown }).currentTaskStorage;
  return { frameworkStorageShared: frameworkStorage instanceof SharedAsyncLocalStorage, taskFindsItself: await task.result };
}
