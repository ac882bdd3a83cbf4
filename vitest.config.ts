import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // The Worker and its Durable Objects, inside workerd.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A lower per-token send limit than production's 2,000 per 10 s, so the limit test stays short.
              ratelimits: {
                SEND_PER_TOKEN: { simple: { limit: 300, period: 10 } },
                SEND_PER_CLIENT: { simple: { limit: 5000, period: 10 } },
                LOGIN_PER_CLIENT: { simple: { limit: 10, period: 60 } },
              },
              // Short retry waits, timeout, agent grace and call limits so these tests take seconds, not the production minutes.
              bindings: {
                DELIVERY_RETRY_DELAYS_MS: "150,300,600",
                BOT_TIMEOUT_MS: "4000",
                PLATFORM_REPLY_WAIT_MS: "2000",
                PLATFORM_POLL_INTERVAL_MS: "50",
                AGENT_SECRET: "test-agent-secret",
                ALLOW_PRIVATE_BOT_URLS: "true",
                AGENT_RECONNECT_GRACE_MS: "1000",
                AGENT_CHECK_INTERVAL_MS: "500",
                // A call-limit "minute" of 3 s: a call with maxCallMinutes 1 ends after 3 s (defaults: 3 min, idle 30 s).
                CALL_LIMIT_MINUTE_MS: "3000",
                // A call the bot started rings 2 s before it fails as "no answer".
                OUTBOUND_RING_TIMEOUT_MS: "2000",
              },
            },
          }),
        ],
        test: {
          name: "worker",
          // The workerd project first, then the Node one: starting the pool re-reads wrangler's configuration,
          // which restarts any `wrangler dev` running beside it from the same folder.
          sequence: { groupOrder: 0 },
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/worker/fake-bot-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // Node-side code (the voice agent, scripts) and end-to-end tests against `npm start`'s server.
        test: {
          name: "node",
          sequence: { groupOrder: 1 },
          include: ["test/node/**/*.test.ts", "agent/**/*.test.ts", "test/e2e/**/*.test.ts"],
          environment: "node",
          // One file at a time: these start real servers, Chromium and speech engines, and real-time audio
          // tests should not fight each other for two cores.
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
      {
        // The framework's own tests of what patches/@livekit+agents+1.9.0.patch changes (its streams, queues and
        // utilities) and of what runs on them (speech recognition, synthesis, the turn's audio, the agent's tasks),
        // against the patched code that `npm ci`'s postinstall installs, with our shared AsyncLocalStorage installed as
        // in the agent (test/framework-setup.ts). Not its job-lifecycle tests (their module mocks do not take here) nor
        // agent_activity's (one of them waits 2 s for a drain that does not come here, with the framework as published
        // and Node's own storages too; a project cannot leave out one test by name). Its test files import their
        // siblings as `../src/*.js` (the repository's layout): that resolves to the package's dist/, which vitest must
        // then transform itself.
        resolve: { alias: [{ find: /^\.\.\/src\/(.*)$/, replacement: fileURLToPath(new URL("./node_modules/@livekit/agents/dist/$1", import.meta.url)) }] },
        test: {
          name: "framework",
          // After the node project: these would take CPU from its real-time audio tests.
          sequence: { groupOrder: 2 },
          dir: "node_modules/@livekit/agents/dist",
          include: [
            "stream/*.test.js",
            "utils.test.js",
            "stt/*.test.js",
            "tts/*.test.js",
            "voice/audio_recognition*.test.js",
            "voice/generation*.test.js",
            "voice/io.test.js",
            "voice/agent.test.js",
            "voice/agent_session_text_only.test.js",
            "voice/agent_task_close.test.js",
          ],
          exclude: [],
          server: { deps: { inline: [/@livekit\/agents\/dist/] } },
          setupFiles: ["test/framework-setup.ts"],
          environment: "node",
          testTimeout: 20_000,
        },
      },
    ],
  },
});
