/**
 * Sends this person's selection as `presence`, at most every `intervalMs`: the
 * latest selection goes out at the end of a burst of typing or moving.
 */
import { Facet, Transaction } from "@codemirror/state";
import { type EditorView, ViewPlugin, type ViewUpdate } from "@codemirror/view";
import type { Selection } from "../../protocol/messages";

export interface PresenceTransport {
  send(selection: Selection): void;
  intervalMs?: number;
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

    constructor(private readonly view: EditorView) {}

    update(update: ViewUpdate) {
      const local = update.transactions.some((tr) => tr.docChanged && !tr.annotation(Transaction.remote));
      if (update.selectionSet || local) this.schedule();
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

    private schedule() {
      if (this.timer !== null) return;
      const interval = this.view.state.facet(presenceTransport)?.intervalMs ?? 100;
      const wait = Math.max(0, this.lastSent + interval - Date.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }

    private flush() {
      this.lastSent = Date.now();
      this.view.state.facet(presenceTransport)?.send(mainSelection(this.view));
    }

    destroy() {
      if (this.timer !== null) clearTimeout(this.timer);
    }
  },
);
