/**
 * Messages between the room page, the sandboxed iframe (`/sandbox`, opaque
 * origin, network forbidden by its CSP) and the Worker that the iframe starts
 * to run code. The page never runs user code; the iframe only relays and kills.
 */

export type SandboxLanguage = "javascript" | "python";
export type SandboxStream = "stdout" | "stderr";

/** Pyodide's files, fetched by the page from Pairpad and handed in as bytes:
 * the sandbox itself may not fetch anything. */
export interface PyodideFiles {
  asm: string; // pyodide.asm.mjs, the Emscripten module
  wasm: ArrayBuffer; // pyodide.asm.wasm
  stdlib: ArrayBuffer; // python_stdlib.zip
  lock: string; // pyodide-lock.json
}

/** Page → iframe. */
export type ToSandbox =
  | { kind: "run"; runId: string; language: SandboxLanguage; code: string; pyodide?: PyodideFiles }
  | { kind: "stop"; runId: string };

/** Iframe → page (the worker's messages, tagged with their run by the iframe). */
export type FromSandbox =
  | { kind: "ready" }
  | { kind: "output"; runId: string; stream: SandboxStream; text: string }
  | { kind: "phase"; runId: string; phase: "starting-python" | "running" }
  | { kind: "truncated"; runId: string }
  | { kind: "done"; runId: string; status: "ok" | "error" }
  | { kind: "need-pyodide"; runId: string };

/** Iframe → worker. */
export interface WorkerRun {
  language: SandboxLanguage;
  code: string;
  pyodide?: PyodideFiles;
}

/** Worker → iframe. */
export type FromWorker =
  | { kind: "output"; stream: SandboxStream; text: string }
  | { kind: "phase"; phase: "starting-python" | "running" }
  | { kind: "truncated" }
  | { kind: "done"; status: "ok" | "error" };

/** How often the worker hands over what the code wrote; a print loop cannot flood anyone. */
export const WORKER_FLUSH_MS = 50;
/** What one run may write before the worker stops passing it on (UTF-16 units):
 * what the page's console keeps of a run (LOCAL_OUTPUT_LIMIT). */
export const WORKER_OUTPUT_CAP = 72 * 1024;
