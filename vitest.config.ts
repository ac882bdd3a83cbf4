import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Short retry waits and timeout so delivery tests take seconds, not the production half-minute.
        bindings: { DELIVERY_RETRY_DELAYS_MS: "150,300,600", BOT_TIMEOUT_MS: "1500" },
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/worker/fake-bot-setup.ts"],
    testTimeout: 30_000,
  },
});
