import { initializeLogger } from "@livekit/agents";

// The framework's own tests expect its logger to be set up, as its repository's test setup does.
initializeLogger({ pretty: false, level: "error" });
