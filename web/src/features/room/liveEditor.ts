/**
 * The one live editor view, for the features that act on the text outside the
 * Editor component (history's restore, the Run button): the text lives in
 * CodeMirror, never in Redux, so the Editor registers its view here while it is
 * mounted, and nobody holds the view longer than one call.
 */
import type { EditorView } from "@codemirror/view";

let current: (() => EditorView | null) | null = null;

export function registerLiveEditor(view: () => EditorView | null): () => void {
  current = view;
  return () => {
    if (current === view) current = null;
  };
}

export function liveEditor(): EditorView | null {
  return current?.() ?? null;
}
