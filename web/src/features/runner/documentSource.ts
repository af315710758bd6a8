/** How the Run button reads the code: from the live editor (see room/liveEditor). */
import { getSyncedVersion, sendableUpdates } from "@codemirror/collab";
import type { EditorState } from "@codemirror/state";
import { liveEditor } from "../room/liveEditor";

export interface RunnableDocument {
  text: string;
  version: number;
}

/** Whatever holds the editor's current state (the live view, in the app). */
export type StateSource = () => { state: EditorState } | null;

export const SYNC_WAIT_MS = 2000;
const POLL_MS = 10;

function readDocument(source: StateSource): RunnableDocument | null {
  const view = source();
  return view ? { text: view.state.doc.toString(), version: getSyncedVersion(view.state) } : null;
}

/**
 * The code to run, once this person's own edits have come back confirmed, so
 * that the run's version names exactly the text that runs: pressing Run right
 * after typing would otherwise label the new text with the version before it.
 * A confirmation takes a round trip; if none comes within `waitMs` (a slow or
 * lost connection), the text runs as it is, labelled with the last confirmed
 * version, as before.
 */
export async function readSyncedDocument(
  source: StateSource = liveEditor,
  waitMs: number = SYNC_WAIT_MS,
): Promise<RunnableDocument | null> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const view = source();
    if (!view) return null;
    if (sendableUpdates(view.state).length === 0 || performance.now() >= deadline) return readDocument(source);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
