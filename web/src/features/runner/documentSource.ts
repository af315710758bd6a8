/** How the Run button reads the code: from the live editor (see room/liveEditor). */
import { getSyncedVersion } from "@codemirror/collab";
import { liveEditor } from "../room/liveEditor";

export interface RunnableDocument {
  text: string;
  version: number;
}

export function readDocument(): RunnableDocument | null {
  const view = liveEditor();
  return view ? { text: view.state.doc.toString(), version: getSyncedVersion(view.state) } : null;
}
