/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import pyodidePackage from "pyodide/package.json" with { type: "json" };

// Pyodide's files are served under /pyodide/<version>/ (scripts/copy-pyodide.mjs).
const pyodideVersion: string = pyodidePackage.version;

const backend = "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  define: { __PYODIDE_VERSION__: JSON.stringify(pyodideVersion) },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    // CodeMirror with three grammars is most of the bundle (about 260 kB gzipped), loaded once.
    chunkSizeWarningLimit: 1000,
    // The sandbox page (`/sandbox`) is an entry of its own: see src/sandbox/host.ts.
    // No preload polyfill: the sandbox page's script is inlined whole (service/runner_assets.py).
    modulePreload: { polyfill: false },
    rollupOptions: { input: { main: "index.html", sandbox: "sandbox.html" } },
  },
  // A classic worker: in the sandbox's opaque origin a module worker (or a module
  // import) from a blob: URL fails, while classic scripts from blob: URLs load.
  worker: { format: "iife", rollupOptions: { output: { codeSplitting: false } } },
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
