/**
 * How the Run button reads the code: the text lives in CodeMirror, never in
 * Redux, so the editor registers a reader here while it is mounted.
 */
export interface RunnableDocument {
  text: string;
  version: number;
}

let source: (() => RunnableDocument | null) | null = null;

export function setDocumentSource(read: (() => RunnableDocument | null) | null): void {
  source = read;
}

export function readDocument(): RunnableDocument | null {
  return source ? source() : null;
}
