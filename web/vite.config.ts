import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The portal: built into web/dist, which the Worker serves as static assets (see [assets] in wrangler.toml).
// `npx vite --config web/vite.config.ts` serves it with hot reload, proxying the API to `npm start`'s server.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } } },
});
