import { describe, expect, it } from "vitest";
import { autocompleteSlice, fetchSuggestion, initialAutocompleteState, suggestionCleared, suggestionShown } from "./autocompleteSlice";

const reduce = autocompleteSlice.reducer;
const request = { code: "x", cursorPosition: 1, language: "python" };

describe("autocompleteSlice", () => {
  it("follows one request from pending to shown to cleared", () => {
    let state = reduce(initialAutocompleteState, fetchSuggestion.pending("r1", request));
    expect(state).toMatchObject({ status: "loading", requestId: "r1" });
    state = reduce(state, fetchSuggestion.fulfilled("()", "r1", request));
    expect(state.status).toBe("idle");
    state = reduce(state, suggestionShown("()"));
    expect(state).toMatchObject({ status: "showing", suggestion: "()" });
    state = reduce(state, suggestionCleared());
    expect(state).toMatchObject({ status: "idle", suggestion: null });
  });

  it("ignores the answer to a request that a newer one replaced", () => {
    let state = reduce(initialAutocompleteState, fetchSuggestion.pending("old", request));
    state = reduce(state, fetchSuggestion.pending("new", request));
    state = reduce(state, fetchSuggestion.rejected(new Error("aborted"), "old", request));
    expect(state).toMatchObject({ status: "loading", requestId: "new" });
  });

  it("reports a failed request", () => {
    let state = reduce(initialAutocompleteState, fetchSuggestion.pending("r", request));
    state = reduce(state, fetchSuggestion.rejected(new Error("500"), "r", request));
    expect(state.status).toBe("failed");
  });
});
