import { createAsyncThunk, createSlice, type PayloadAction } from "@reduxjs/toolkit";
import { disconnectRequested } from "../connection/actions";
import { fetchSuggestionText, type SuggestionRequest } from "./api";

export interface AutocompleteState {
  /** `loading` while a request is out; `showing` while ghost text is in the editor. */
  status: "idle" | "loading" | "showing" | "failed";
  suggestion: string | null;
  /** The request whose answer is awaited; answers to older ones are ignored. */
  requestId: string | null;
}

export const initialAutocompleteState: AutocompleteState = { status: "idle", suggestion: null, requestId: null };

export const fetchSuggestion = createAsyncThunk("autocomplete/fetch", (request: SuggestionRequest, { signal }) =>
  fetchSuggestionText(request, signal),
);

export const autocompleteSlice = createSlice({
  name: "autocomplete",
  initialState: initialAutocompleteState,
  reducers: {
    suggestionShown(state, action: PayloadAction<string>) {
      state.status = "showing";
      state.suggestion = action.payload;
    },
    suggestionCleared(state) {
      if (state.status !== "loading") state.status = "idle";
      state.suggestion = null;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(fetchSuggestion.pending, (state, action) => {
        state.status = "loading";
        state.suggestion = null;
        state.requestId = action.meta.requestId;
      })
      .addCase(fetchSuggestion.fulfilled, (state, action) => {
        if (action.meta.requestId !== state.requestId) return;
        state.requestId = null;
        // The editor decides whether the answer is still good: `suggestionShown` follows if so.
        if (state.status === "loading") state.status = "idle";
      })
      .addCase(fetchSuggestion.rejected, (state, action) => {
        if (action.meta.requestId !== state.requestId) return;
        state.requestId = null;
        if (state.status === "loading") state.status = action.meta.aborted ? "idle" : "failed";
      })
      .addCase(disconnectRequested, () => initialAutocompleteState);
  },
});

export const { suggestionShown, suggestionCleared } = autocompleteSlice.actions;
