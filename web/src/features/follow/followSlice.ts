import { createSelector, createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { PeerInfo } from "../../protocol/messages";
import { disconnectRequested, helloReceived, peerLeft, updateReceived } from "../connection/actions";
import type { PeersState } from "../peers/peersSlice";

/**
 * Whom this person's view follows. Following someone scrolls the editor to keep
 * their cursor (and what they have on screen) in view, until this person scrolls
 * or types. A viewer follows whoever typed last unless it chose otherwise.
 */
export interface FollowState {
  /** The followed peer's client id; `null`: nobody. */
  target: string | null;
  /** Follow whoever typed last (a viewer's default) rather than one chosen person. */
  auto: boolean;
  /** Whether this person has chosen (followed someone or stopped): then hello changes nothing. */
  chosen: boolean;
  /** The last other person whose edit arrived. */
  lastTypist: string | null;
  /** This tab's client id, from hello: its own edits are not someone to follow. */
  selfId: string | null;
}

export const initialFollowState: FollowState = {
  target: null,
  auto: false,
  chosen: false,
  lastTypist: null,
  selfId: null,
};

export const followSlice = createSlice({
  name: "follow",
  initialState: initialFollowState,
  reducers: {
    /** Follow one person (clicked in the participant list). */
    followStarted(state, action: PayloadAction<string>) {
      state.target = action.payload;
      state.auto = false;
      state.chosen = true;
    },
    /** Follow whoever types (a viewer's default). */
    followTypistStarted(state) {
      state.auto = true;
      state.chosen = true;
      state.target = state.lastTypist;
    },
    /** This person scrolled, typed or asked to stop. */
    followStopped(state) {
      state.target = null;
      state.auto = false;
      state.chosen = true;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(helloReceived, (state, { payload }) => {
        state.selfId = payload.clientId;
        if (!state.chosen) state.auto = payload.role === "viewer";
      })
      .addCase(updateReceived, (state, { payload }) => {
        if (payload.clientId === state.selfId) return;
        state.lastTypist = payload.clientId;
        if (state.auto) state.target = payload.clientId;
      })
      .addCase(peerLeft, (state, { payload }) => {
        if (state.target === payload.clientId) state.target = null;
        if (state.lastTypist === payload.clientId) state.lastTypist = null;
      })
      .addCase(disconnectRequested, () => initialFollowState);
  },
});

export const { followStarted, followTypistStarted, followStopped } = followSlice.actions;

/** Whether a scroll or keystroke of this person's would stop something. */
export const isFollowing = (state: { follow: FollowState }) => state.follow.target !== null || state.follow.auto;

/** The followed peer as the server last described them, when known. */
export const selectFollowed = createSelector(
  [(state: { follow: FollowState }) => state.follow.target, (state: { peers: PeersState }) => state.peers.byId],
  (target, byId): PeerInfo | null => (target === null ? null : (byId[target] ?? null)),
);
