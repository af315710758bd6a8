/**
 * The page's side of the sandbox: one hidden iframe on `/sandbox` with
 * `sandbox="allow-scripts"` and no `allow-same-origin`, so it has an opaque
 * origin and cannot touch this page, its cookies or its storage. Messages from
 * it are taken only from that frame's window.
 */
import type { FromSandbox, PyodideFiles, SandboxLanguage } from "../../sandbox/protocol";

/** How long the sandbox page may take to load and say it is ready. */
const READY_TIMEOUT_MS = 15_000;

const isStream = (v: unknown) => v === "stdout" || v === "stderr";

/** A message from the sandbox frame, or null for anything not of its shapes. */
export function parseFromSandbox(data: unknown): FromSandbox | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.kind === "ready") return { kind: "ready" };
  if (typeof m.runId !== "string") return null;
  const runId = m.runId;
  switch (m.kind) {
    case "output":
      return isStream(m.stream) && typeof m.text === "string"
        ? { kind: "output", runId, stream: m.stream as "stdout" | "stderr", text: m.text }
        : null;
    case "phase":
      return m.phase === "starting-python" || m.phase === "running" ? { kind: "phase", runId, phase: m.phase } : null;
    case "truncated":
      return { kind: "truncated", runId };
    case "done":
      return m.status === "ok" || m.status === "error" ? { kind: "done", runId, status: m.status } : null;
    case "need-pyodide":
      return { kind: "need-pyodide", runId };
    default:
      return null;
  }
}

export interface SandboxRunHandlers {
  onMessage(message: FromSandbox): void;
}

export class SandboxFrame {
  private frame: HTMLIFrameElement | null = null;
  private ready: Promise<void> | null = null;
  private handlers = new Map<string, SandboxRunHandlers>();
  /** Whether this frame holds Pyodide's files already. */
  hasPyodide = false;

  constructor() {
    window.addEventListener("message", (event: MessageEvent<FromSandbox>) => {
      if (!this.frame || event.source !== this.frame.contentWindow) return;
      // The room's code can post to this page too (`self.postMessage`): take only
      // messages of the sandbox's own shapes.
      const message = parseFromSandbox(event.data);
      if (message === null || message.kind === "ready") return;
      this.handlers.get(message.runId)?.onMessage(message);
    });
  }

  private open(): Promise<void> {
    if (this.ready) return this.ready;
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts");
    frame.setAttribute("aria-hidden", "true");
    frame.setAttribute("title", "code sandbox");
    frame.tabIndex = -1;
    frame.className = "sandbox-frame";
    frame.dataset.testid = "sandbox-frame";
    frame.src = "/sandbox";
    this.hasPyodide = false;
    this.ready = new Promise<void>((resolve) => {
      const onReady = (event: MessageEvent<FromSandbox>) => {
        if (event.source === frame.contentWindow && event.data?.kind === "ready") {
          window.removeEventListener("message", onReady);
          resolve();
        }
      };
      window.addEventListener("message", onReady);
    });
    this.frame = frame;
    document.body.appendChild(frame);
    return this.ready;
  }

  /**
   * Post a run once the frame is ready; false, and nothing posted, when
   * `stillWanted` says the run was stopped meanwhile, or when the frame did not
   * come up within `READY_TIMEOUT_MS` (it is then dropped, and the next run
   * starts a new one).
   */
  async run(
    runId: string,
    language: SandboxLanguage,
    code: string,
    handlers: SandboxRunHandlers,
    stillWanted: () => boolean,
    pyodide?: PyodideFiles,
  ): Promise<boolean> {
    const ready = await Promise.race([
      this.open().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS)),
    ]);
    if (!ready) {
      this.destroy();
      throw new Error(`the sandbox did not start within ${READY_TIMEOUT_MS / 1000} s`);
    }
    if (!stillWanted()) return false;
    this.handlers.set(runId, handlers);
    if (pyodide) this.hasPyodide = true;
    this.frame?.contentWindow?.postMessage({ kind: "run", runId, language, code, pyodide }, "*");
    return true;
  }

  stop(runId: string): void {
    this.frame?.contentWindow?.postMessage({ kind: "stop", runId }, "*");
  }

  forget(runId: string): void {
    this.handlers.delete(runId);
  }

  /** The last resort: removing the frame ends its workers, whatever they do. */
  destroy(): void {
    this.frame?.remove();
    this.frame = null;
    this.ready = null;
    this.hasPyodide = false;
    this.handlers.clear();
  }
}
