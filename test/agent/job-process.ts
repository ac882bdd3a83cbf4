/**
 * A real job process of the framework's (its `JobProcExecutor`, which forks its job process main as the LiveKit worker
 * does for each dispatched job) running one of our agent modules, without a LiveKit server: the job has no room to
 * join, so the module's entry must not connect. The forked process inherits this process's environment
 * (NODE_OPTIONS: the tests set what loads TypeScript there).
 */
// The framework's own job executor (not exported by the package: its file, by path).
import { JobProcExecutor } from "../../node_modules/@livekit/agents/dist/ipc/job_proc_executor.js";

/** NODE_OPTIONS that let a forked job process load our TypeScript agent modules, as `npm run agent`'s tsx does. */
export function nodeOptionsLoadingTypeScript(nodeOptions: string | undefined): string {
  return `${nodeOptions ?? ""} --import tsx`.trim();
}

export async function launchJob(agentModule: string, id: string, metadata: string): Promise<JobProcExecutor> {
  const executor = new JobProcExecutor({
    agent: agentModule,
    initializeTimeout: 60_000,
    closeTimeout: 10_000,
    memoryWarnMB: 0,
    memoryLimitMB: 0,
    pingInterval: 2_500,
    pingTimeout: 90_000,
    highPingThreshold: 5_000,
  });
  await executor.start();
  await executor.initialize({ sessionEndTimeout: 10_000 });
  await executor.launchJob({
    acceptArguments: { name: "phonemybot", identity: `agent-${id}`, metadata: "" },
    job: { id, room: { name: `room-${id}`, sid: `RM_${id}` }, metadata } as never,
    url: "ws://127.0.0.1:9",
    token: "",
    workerId: "test-worker",
  });
  return executor;
}
