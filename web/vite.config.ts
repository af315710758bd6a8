/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const backend = "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    // CodeMirror with three grammars is most of the bundle (about 260 kB gzipped), loaded once.
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      "/rooms": backend,
      "/autocomplete": backend,
      "/ws": { target: backend, ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
