export interface SuggestionRequest {
  code: string;
  /** UTF-16 offset, as CodeMirror counts. */
  cursorPosition: number;
  language: string;
}

/** `POST /autocomplete`: the text to insert at the cursor, `""` for none. */
export async function fetchSuggestionText(request: SuggestionRequest, signal?: AbortSignal): Promise<string> {
  const response = await fetch("/autocomplete", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
    signal,
  });
  if (!response.ok) throw new Error(`autocomplete answered ${response.status}`);
  const body: unknown = await response.json();
  const suggestion = (body as { suggestion?: unknown } | null)?.suggestion;
  return typeof suggestion === "string" ? suggestion : "";
}
