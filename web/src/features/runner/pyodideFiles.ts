/**
 * Pyodide's core files, fetched once from Pairpad (`/pyodide/<version>/`, cached
 * by the browser for a year) with progress, and kept to hand to the sandbox,
 * which may not fetch anything itself.
 */
import type { PyodideFiles } from "../../sandbox/protocol";

declare const __PYODIDE_VERSION__: string;
export const PYODIDE_BASE = `/pyodide/${__PYODIDE_VERSION__}/`;

const FILES = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"] as const;

let cached: Promise<PyodideFiles> | null = null;

async function fetchAll(onProgress: (loaded: number, total: number) => void): Promise<PyodideFiles> {
  const responses = await Promise.all(
    FILES.map(async (name) => {
      const response = await fetch(PYODIDE_BASE + name);
      if (!response.ok || !response.body) throw new Error(`could not load ${name}: HTTP ${response.status}`);
      return response;
    }),
  );
  const sizes = responses.map((r) => Number(r.headers.get("content-length") ?? 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  let loaded = 0;
  const bodies = await Promise.all(
    responses.map(async (response) => {
      const reader = response.body!.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onProgress(loaded, total);
      }
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes.buffer;
    }),
  );
  const text = (buffer: ArrayBuffer) => new TextDecoder().decode(buffer);
  return { asm: text(bodies[0]!), wasm: bodies[1]!, stdlib: bodies[2]!, lock: text(bodies[3]!) };
}

export function pyodideFiles(onProgress: (loaded: number, total: number) => void): Promise<PyodideFiles> {
  cached ??= fetchAll(onProgress).catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
