/**
 * The script of `/sandbox`: an iframe with `sandbox="allow-scripts"` (an opaque
 * origin: no cookies, no storage, no access to the page) whose CSP forbids all
 * network access. It starts a Worker per run (Python's is kept warm between
 * runs), relays what the worker writes to the page, and terminates the worker
 * when the page says stop; terminating a worker ends whatever it was doing,
 * an endless loop included.
 */
import RuntimeWorker from "./runtime.worker?worker&inline";
import type { FromSandbox, FromWorker, PyodideFiles, ToSandbox } from "./protocol";

const toPage = (message: FromSandbox) => window.parent.postMessage(message, "*");

let pyodideFiles: PyodideFiles | null = null;
let pythonWorker: Worker | null = null;
let current: { runId: string; worker: Worker } | null = null;

function finish(runId: string, worker: Worker, keep: boolean): void {
  if (current?.runId === runId) current = null;
  if (!keep) {
    worker.terminate();
    if (worker === pythonWorker) pythonWorker = null;
  }
}

function run(message: Extract<ToSandbox, { kind: "run" }>): void {
  if (current) finish(current.runId, current.worker, false);
  if (message.pyodide) pyodideFiles = message.pyodide;
  const { runId, language, code } = message;
  if (language === "python" && !pythonWorker && !pyodideFiles) {
    toPage({ kind: "need-pyodide", runId });
    return;
  }
  const python = language === "python";
  const fresh = !(python && pythonWorker);
  const worker = python ? (pythonWorker ??= new RuntimeWorker()) : new RuntimeWorker();
  current = { runId, worker };
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const data = event.data;
    if (data.kind === "done") {
      toPage({ kind: "done", runId, status: data.status });
      finish(runId, worker, python);
    } else {
      toPage({ ...data, runId });
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    toPage({ kind: "output", runId, stream: "stderr", text: `${event.message || "the worker failed"}\n` });
    toPage({ kind: "done", runId, status: "error" });
    finish(runId, worker, false);
  };
  // A worker that has Pyodide already needs only the code; a fresh one gets a copy of the files.
  const files = python && fresh && pyodideFiles ? pyodideFiles : undefined;
  worker.postMessage({ language, code, pyodide: files });
}

window.addEventListener("message", (event: MessageEvent<ToSandbox>) => {
  if (event.source !== window.parent) return;
  const message = event.data;
  if (message.kind === "run") run(message);
  else if (message.kind === "stop" && current?.runId === message.runId) finish(message.runId, current.worker, false);
});

toPage({ kind: "ready" });
