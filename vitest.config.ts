import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
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
              // Short retry waits and timeout so delivery tests take seconds, not the production half-minute.
              bindings: { DELIVERY_RETRY_DELAYS_MS: "150,300,600", BOT_TIMEOUT_MS: "4000", AGENT_SECRET: "test-agent-secret" },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/worker/fake-bot-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // Node-side code (the voice agent, scripts) and end-to-end tests against `npm start`'s server.
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts", "agent/**/*.test.ts", "test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
    ],
  },
});
