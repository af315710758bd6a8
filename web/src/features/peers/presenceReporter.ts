/**
 * Sends this person's selection and what they have on screen (`viewport`) as
 * `presence`, at most every `intervalMs`: the latest goes out at the end of a
 * burst of typing or moving. A scroll alone sends only when the viewport
 * changed, and at most every `viewportIntervalMs`.
 */
import { Facet, Transaction } from "@codemirror/state";
import { type EditorView, ViewPlugin, type ViewUpdate } from "@codemirror/view";
import type { Selection, Viewport } from "../../protocol/messages";
import { sameViewport, visibleViewport } from "../follow/followScroll";

export interface PresenceTransport {
  send(selection: Selection, viewport: Viewport): void;
  intervalMs?: number;
  viewportIntervalMs?: number;
}

export const presenceTransport = Facet.define<PresenceTransport, PresenceTransport | null>({
  combine: (values) => values[0] ?? null,
});

export function mainSelection(view: EditorView): Selection {
  const { anchor, head } = view.state.selection.main;
  return { anchor, head };
}

export const presenceReporter = ViewPlugin.fromClass(
  class {
    private lastSent = 0;
    private timer: ReturnType<typeof setTimeout> | null = null;
    private sentViewport: Viewport | null = null;
    private selectionDirty = false;
    private readonly onScroll = () => this.scheduleViewport();

    constructor(private readonly view: EditorView) {
      view.scrollDOM.addEventListener("scroll", this.onScroll, { passive: true });
    }

    update(update: ViewUpdate) {
      const local = update.transactions.some((tr) => tr.docChanged && !tr.annotation(Transaction.remote));
      if (update.selectionSet || local) this.schedule();
      else if (update.geometryChanged || update.viewportChanged) this.scheduleViewport();
    }

    /** Send now (on connect, or after a name change). */
    announce() {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.flush();
    }

    /** Send the selection soon (throttled): after a name change, say. */
    touch() {
      this.schedule();
    }

    /** Only a scroll or resize: send when what is on screen changed, less often. */
    private scheduleViewport() {
      this.arm(this.view.state.facet(presenceTransport)?.viewportIntervalMs ?? 200);
    }

    private schedule() {
      this.selectionDirty = true;
      this.arm(this.view.state.facet(presenceTransport)?.intervalMs ?? 100);
    }

    private arm(interval: number) {
      if (this.timer !== null) return;
      const wait = Math.max(0, this.lastSent + interval - Date.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.selectionDirty || !sameViewport(visibleViewport(this.view), this.sentViewport)) this.flush();
      }, wait);
    }

    private flush() {
      this.lastSent = Date.now();
      this.selectionDirty = false;
      this.sentViewport = visibleViewport(this.view);
      this.view.state.facet(presenceTransport)?.send(mainSelection(this.view), this.sentViewport);
    }

    destroy() {
      if (this.timer !== null) clearTimeout(this.timer);
      this.view.scrollDOM.removeEventListener("scroll", this.onScroll);
    }
  },
);
