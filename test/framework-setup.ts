// As in the agent (agent/index.ts): the framework's AsyncLocalStorages are shared ones (agent/shared-async-storage.ts),
// so its own tests of what runs in them (its Task's current task, the agent's activity and speech handles) check that.
import "../agent/share-async-storage.ts";
import { initializeLogger } from "@livekit/agents";

// The framework's own tests expect its logger to be set up, as its repository's test setup does.
initializeLogger({ pretty: false, level: "error" });
