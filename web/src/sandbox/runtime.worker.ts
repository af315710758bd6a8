/**
 * Runs one piece of code: JavaScript as a module from a blob: URL, or Python in
 * Pyodide (kept loaded between runs). Started by the sandbox iframe from a blob:
 * URL, so it inherits the iframe's opaque origin and CSP: `connect-src 'none'`
 * refuses every fetch, XHR and WebSocket that the code tries.
 */
import { loadPyodide, type PyodideAPI } from "pyodide";
import {
  type FromWorker,
  type PyodideFiles,
  type SandboxStream,
  WORKER_FLUSH_MS,
  WORKER_OUTPUT_CAP,
  type WorkerRun,
} from "./protocol";
import { describe as describeValue } from "./format";
import { errorStack, type InspectOptions } from "./inspect";
import { createConsole } from "./sandboxConsole";
import { ROOM_FILE, type RunScript, roomJavaScriptStack, roomPythonTraceback } from "./tracebacks";

const post = (message: FromWorker) => postMessage(message);
// The DOM lib does not describe worker globals; this one is all we use of them.
declare function importScripts(...urls: string[]): void;

// Output is buffered and handed over at most every WORKER_FLUSH_MS, checked on
// each write: a busy loop never yields to a timer, so a timer could not flush it.
let buffer: { stream: SandboxStream; text: string }[] = [];
let lastFlush = 0;
let written = 0;
let truncated = false;
// Taken before the code can replace the globals (trackTimers wraps them).
const nativeSetTimeout = setTimeout.bind(self);
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  for (const piece of buffer) post({ kind: "output", ...piece });
  buffer = [];
  lastFlush = Date.now();
}

/** Output written just before the code waits (on a timer, a promise) must not
 * sit in the buffer until its next write. */
function flushSoon(): void {
  flushTimer ??= nativeSetTimeout(() => {
    flushTimer = null;
    if (buffer.length) flush();
  }, WORKER_FLUSH_MS);
}

function write(stream: SandboxStream, text: string): void {
  if (truncated || text === "") return;
  if (written + text.length > WORKER_OUTPUT_CAP) {
    text = text.slice(0, Math.max(0, WORKER_OUTPUT_CAP - written));
    truncated = true;
  }
  written += text.length;
  const last = buffer[buffer.length - 1];
  if (last && last.stream === stream) last.text += text;
  else buffer.push({ stream, text });
  if (truncated) {
    flush();
    post({ kind: "truncated" });
  } else if (Date.now() - lastFlush >= WORKER_FLUSH_MS) flush();
  else flushSoon();
}

// Where this run's JavaScript was loaded from, which its stacks name.
let runScript: RunScript | null = null;
// What precedes the code on its first line (see runJavaScript).
const RUN_WRAPPER_START = "self.__pairpadRun = (async () => {";

// Errors show their stack as the room's code sees it (see roomJavaScriptStack).
const inspectOptions: Partial<InspectOptions> = {
  formatError: (error) => (error.stack ? roomJavaScriptStack(errorStack(error), runScript) : errorStack(error)),
};
const describe = (value: unknown) => describeValue(value, inspectOptions);
// Taken before the code can replace them.
const now = performance.now.bind(performance);
const NativeError = Error;

function captureConsole(): void {
  const methods = createConsole(
    { write, now, stack: () => roomJavaScriptStack(new NativeError().stack ?? "", runScript) },
    inspectOptions,
  );
  Object.assign(console, methods);
}

// Timers the code left pending: a JavaScript run ends when none is left.
let pendingTimers = 0;
let timersIdle: (() => void) | null = null;
function trackTimers(): void {
  const scope = self as unknown as Record<string, unknown>;
  const realTimeout = setTimeout;
  const realClear = clearTimeout;
  const live = new Set<unknown>();
  const settle = (handle: unknown) => {
    if (live.delete(handle)) pendingTimers -= 1;
    if (pendingTimers === 0 && timersIdle) {
      timersIdle();
      timersIdle = null;
    }
  };
  scope.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const handle: unknown = realTimeout(() => {
      settle(handle);
      if (typeof fn === "function") fn(...rest);
    }, ms);
    live.add(handle);
    pendingTimers += 1;
    return handle;
  };
  scope.clearTimeout = (handle: unknown) => {
    realClear(handle as ReturnType<typeof setTimeout>);
    settle(handle);
  };
  // An interval never ends by itself: the run goes on until it is cleared or the limit.
  const realInterval = setInterval;
  const realClearInterval = clearInterval;
  scope.setInterval = (fn: () => void, ms?: number) => {
    const handle = realInterval(fn, ms);
    live.add(handle);
    pendingTimers += 1;
    return handle;
  };
  scope.clearInterval = (handle: unknown) => {
    realClearInterval(handle as ReturnType<typeof setInterval>);
    settle(handle);
  };
}

async function runJavaScript(code: string): Promise<"ok" | "error"> {
  captureConsole();
  trackTimers();
  let failed = false;
  self.addEventListener("unhandledrejection", (event) => {
    failed = true;
    write("stderr", `Uncaught (in promise) ${describe(event.reason)}\n`);
    event.preventDefault(); // reported here: the browser need not report it again
  });
  self.addEventListener("error", (event) => {
    failed = true;
    write("stderr", `Uncaught ${describe(event.error ?? event.message)}\n`);
    event.preventDefault();
  });
  // A classic script, loaded from memory (module scripts from blob: URLs fail in
  // an opaque origin). The code goes in an async function so that top-level
  // `await` works; on the wrapper's first line, so line numbers stay the same.
  const scope = self as unknown as { __pairpadRun?: Promise<unknown> };
  const url = URL.createObjectURL(
    new Blob([`${RUN_WRAPPER_START}${code}\n})();`], { type: "text/javascript" }),
  );
  runScript = { url, firstLineOffset: RUN_WRAPPER_START.length, lastLine: code.split("\n").length };
  try {
    importScripts(url);
    await scope.__pairpadRun;
  } catch (error) {
    write("stderr", describe(error) + "\n");
    return "error";
  } finally {
    URL.revokeObjectURL(url);
  }
  await codeSettled();
  return failed ? "error" : "ok";
}

const nextTask = () => new Promise<void>((resolve) => nativeSetTimeout(resolve, 0));

/**
 * Resolves once the code has nothing left to do: no timer pending, and every
 * promise rejection that nobody handled reported. The browser queues the
 * `unhandledrejection` event as a task when the microtask checkpoint ends, so
 * two task turns are needed: the first lets the checkpoint end, the second runs
 * after the event. A timer's callback, or a promise it settles, may set another
 * timer: the run ends only when a wait found none.
 */
async function codeSettled(): Promise<void> {
  do {
    if (pendingTimers > 0) await new Promise<void>((resolve) => (timersIdle = resolve));
    await nextTask();
    await nextTask();
  } while (pendingTimers > 0);
}

let pyodide: PyodideAPI | null = null;

/** Pyodide from the bytes the page handed in. Its loader still asks `fetch` for
 * the wasm, the standard library and the lock file; this `fetch` answers from
 * memory and refuses everything else (the CSP would refuse it anyway). */
async function startPython(files: PyodideFiles): Promise<PyodideAPI> {
  const byName: Record<string, [BodyInit, string]> = {
    "pyodide.asm.wasm": [files.wasm, "application/wasm"],
    "python_stdlib.zip": [files.stdlib, "application/zip"],
    "pyodide-lock.json": [files.lock, "application/json"],
  };
  const memoryFetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const entry = byName[url.slice(url.lastIndexOf("/") + 1)];
    if (!entry) throw new TypeError(`the sandbox has no network: ${url}`);
    return new Response(entry[0], { headers: { "Content-Type": entry[1] } });
  };
  (self as unknown as { fetch: typeof fetch }).fetch = memoryFetch as typeof fetch;
  // A host that resolves nowhere: nothing may be fetched from a CDN or anywhere else.
  const indexURL = "https://pyodide.invalid/";
  // pyodide.asm.mjs is an ES module; it runs here as a classic script (see
  // runJavaScript for why): its one export becomes a global, `import.meta.url`
  // the address it would have had.
  const classic = files.asm
    .replaceAll("import.meta.url", JSON.stringify(indexURL + "pyodide.asm.mjs"))
    .replace(/export\s+default\s+(\w+);?\s*$/, "self.__pairpadCreatePyodide = $1;");
  const asmUrl = URL.createObjectURL(new Blob([classic], { type: "text/javascript" }));
  importScripts(asmUrl);
  URL.revokeObjectURL(asmUrl);
  const asm = { default: (self as unknown as { __pairpadCreatePyodide: unknown }).__pairpadCreatePyodide };
  return await loadPyodide({
    indexURL,
    lockFileContents: files.lock,
    packageBaseUrl: indexURL,
    cdnUrl: indexURL,
    createPyodideModule: asm.default as never,
    stdin: () => null,
  });
}

async function runPython(code: string, files: PyodideFiles | undefined): Promise<"ok" | "error"> {
  if (!pyodide) {
    if (!files) throw new Error("Pyodide's files did not arrive");
    post({ kind: "phase", phase: "starting-python" });
    pyodide = await startPython(files);
  }
  post({ kind: "phase", phase: "running" });
  const py = pyodide;
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for (const stream of ["stdout", "stderr"] as const) {
    const setter = stream === "stdout" ? py.setStdout : py.setStderr;
    setter.call(py, {
      write: (bytes: Uint8Array) => {
        write(stream, decoders[stream].decode(bytes, { stream: true }));
        return bytes.length;
      },
    });
  }
  // Tracebacks quote the lines of the files they pass through: give them the
  // room's code, which is no file (an mtime of None keeps the entry cached).
  const setup = py.globals.get("dict")();
  setup.set("source", code);
  setup.set("name", ROOM_FILE);
  py.runPython(
    "import linecache; linecache.cache[name] = (len(source), None, source.splitlines(True), name)",
    { globals: setup },
  );
  setup.destroy();
  const globals = py.globals.get("dict")();
  globals.set("__name__", "__main__");
  try {
    await py.runPythonAsync(code, { globals, filename: ROOM_FILE });
    return "ok";
  } catch (error) {
    write("stderr", error instanceof Error ? roomPythonTraceback(error.message) : String(error));
    return "error";
  } finally {
    py.runPython("import sys; sys.stdout.flush(); sys.stderr.flush()");
    globals.destroy();
  }
}

onmessage = async (event: MessageEvent<WorkerRun>) => {
  const { language, code, pyodide: files } = event.data;
  buffer = [];
  runScript = null; // the worker outlives runs: an old script's frames are not this run's
  written = 0;
  truncated = false;
  lastFlush = 0; // the first write goes out at once
  // No workers from inside a run: a fork bomb has nothing to fork with.
  delete (self as unknown as Record<string, unknown>).Worker;
  let status: "ok" | "error";
  try {
    status = language === "python" ? await runPython(code, files) : await runJavaScript(code);
  } catch (error) {
    write("stderr", describe(error) + "\n");
    status = "error";
  }
  flush();
  post({ kind: "done", status });
};
