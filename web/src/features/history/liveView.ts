/** What history does to the live editor: restore, and hand the focus back. */
import { liveEditor } from "../room/liveEditor";
import { restoreChanges } from "./restoreDiff";

/**
 * Turn the live text into `target` with one ordinary, undoable edit: the smallest
 * line-and-character diff, which the collab plugin pushes as one update (rebased
 * over whatever peers type meanwhile, like any keystroke). False when there is no
 * live editor. The keyboard comes back to the editor when the panel closes.
 */
export function restoreText(target: string): boolean {
  const view = liveEditor();
  if (!view || view.state.readOnly) return false;
  const changes = restoreChanges(view.state.doc.toString(), target);
  if (changes.length) view.dispatch({ changes, userEvent: "input.restore", scrollIntoView: true });
  return true;
}

/** Back to live editing (the editor must no longer be inert to take the focus). */
export function focusLiveView(): void {
  liveEditor()?.focus();
}
