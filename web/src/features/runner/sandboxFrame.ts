/**
 * The page's side of the sandbox: one hidden iframe on `/sandbox` with
 * `sandbox="allow-scripts"` and no `allow-same-origin`, so it has an opaque
 * origin and cannot touch this page, its cookies or its storage. Messages from
 * it are taken only from that frame's window.
 */
import type { FromSandbox, PyodideFiles, SandboxLanguage } from "../../sandbox/protocol";

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
      const message = event.data;
      if (message.kind === "ready") return;
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

  async run(
    runId: string,
    language: SandboxLanguage,
    code: string,
    handlers: SandboxRunHandlers,
    pyodide?: PyodideFiles,
  ): Promise<void> {
    await this.open();
    this.handlers.set(runId, handlers);
    if (pyodide) this.hasPyodide = true;
    this.frame?.contentWindow?.postMessage({ kind: "run", runId, language, code, pyodide }, "*");
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
