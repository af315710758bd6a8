import { getSyncedVersion, sendableUpdates } from "@codemirror/collab";
import type { EditorView } from "@codemirror/view";

/**
 * A read-only window onto the editor, `window.pairpad`, for end-to-end tests and
 * for a person debugging in the console. CodeMirror renders only the visible
 * lines, so the DOM alone cannot tell the whole text.
 */
export interface DebugHandle {
  text(): string | null;
  version(): number | null;
  pending(): number | null;
  selection(): { anchor: number; head: number } | null;
}

declare global {
  interface Window {
    pairpad?: DebugHandle;
  }
}

export function exposeDebugHandle(view: () => EditorView | null): () => void {
  const handle: DebugHandle = {
    text: () => view()?.state.doc.toString() ?? null,
    version: () => {
      const v = view();
      return v ? getSyncedVersion(v.state) : null;
    },
    pending: () => {
      const v = view();
      return v ? sendableUpdates(v.state).length : null;
    },
    selection: () => {
      const main = view()?.state.selection.main;
      return main ? { anchor: main.anchor, head: main.head } : null;
    },
  };
  window.pairpad = handle;
  return () => {
    if (window.pairpad === handle) delete window.pairpad;
  };
}
