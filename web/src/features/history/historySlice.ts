/**
 * The history panel's state: whether it is open, the range of versions the
 * server can give, the version chosen, playback, and the steps (author and
 * time of each update) loaded so far. Texts live in CodeMirror, not here.
 */
import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { Speed, Step } from "./timeline";

export interface HistoryState {
  open: boolean;
  oldest: number;
  head: number;
  version: number;
  /** False until the range of versions has been fetched. */
  ready: boolean;
  playing: boolean;
  speed: Speed;
  steps: Record<number, Step>;
  error: string | null;
}

export const initialHistoryState: HistoryState = {
  open: false,
  oldest: 0,
  head: 0,
  version: 0,
  ready: false,
  playing: false,
  speed: 1,
  steps: {},
  error: null,
};

const clamp = (state: HistoryState, v: number) => Math.min(Math.max(Math.round(v), state.oldest), state.head);

export const historySlice = createSlice({
  name: "history",
  initialState: initialHistoryState,
  reducers: {
    historyOpened: () => ({ ...initialHistoryState, open: true }),
    historyClosed: () => initialHistoryState,
    /** The server's range; a first answer shows the newest version. */
    boundsLoaded(state, action: PayloadAction<{ oldest: number; head: number }>) {
      const first = !state.ready;
      state.oldest = action.payload.oldest;
      state.head = Math.max(action.payload.head, state.oldest);
      state.ready = true;
      state.version = first ? state.head : clamp(state, state.version);
    },
    /** The room moved on while the panel is open: the timeline grows with it. */
    headAdvanced(state, action: PayloadAction<number>) {
      if (state.ready) state.head = Math.max(state.head, action.payload);
    },
    stepsLoaded(state, action: PayloadAction<Step[]>) {
      for (const step of action.payload) state.steps[step.version] = step;
    },
    versionChosen(state, action: PayloadAction<number>) {
      state.version = clamp(state, action.payload);
    },
    stepped(state, action: PayloadAction<number>) {
      state.version = clamp(state, state.version + action.payload);
      if (state.version >= state.head) state.playing = false;
    },
    playToggled(state) {
      state.playing = !state.playing && state.ready;
      // Playing from the end starts over from the oldest version.
      if (state.playing && state.version >= state.head) state.version = state.oldest;
    },
    playStopped(state) {
      state.playing = false;
    },
    speedChosen(state, action: PayloadAction<Speed>) {
      state.speed = action.payload;
    },
    historyFailed(state, action: PayloadAction<string>) {
      state.error = action.payload;
      state.playing = false;
    },
  },
});

export const {
  historyOpened,
  historyClosed,
  boundsLoaded,
  headAdvanced,
  stepsLoaded,
  versionChosen,
  stepped,
  playToggled,
  playStopped,
  speedChosen,
  historyFailed,
} = historySlice.actions;
