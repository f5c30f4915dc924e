/// <reference types="vitest/config" />
// Vite build and dev server for the dashboard; `npm test` runs vitest with the same config.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The TARSy backend the dev server proxies to (REST, WebSocket, health).
const api = process.env.TARSY_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: false },
      "/health": { target: api },
    },
  },
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
