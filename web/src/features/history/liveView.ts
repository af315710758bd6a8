/**
 * The live editor, for the one thing history does to it: restore. The Editor
 * registers its view here; the panel never holds it longer than a click.
 */
import type { EditorView } from "@codemirror/view";
import { restoreChanges } from "./restoreDiff";

let current: (() => EditorView | null) | null = null;

export function registerLiveView(view: () => EditorView | null): () => void {
  current = view;
  return () => {
    if (current === view) current = null;
  };
}

/**
 * Turn the live text into `target` with one ordinary, undoable edit: the smallest
 * line-and-character diff, which the collab plugin pushes as one update (rebased
 * over whatever peers type meanwhile, like any keystroke). False when there is no
 * live editor.
 */
export function restoreText(target: string): boolean {
  const view = current?.();
  if (!view) return false;
  const changes = restoreChanges(view.state.doc.toString(), target);
  if (changes.length) view.dispatch({ changes, userEvent: "input.restore", scrollIntoView: true });
  view.focus();
  return true;
}

/** Back to live editing. */
export function focusLiveView(): void {
  current?.()?.focus();
}
