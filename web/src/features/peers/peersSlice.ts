import { createSelector, createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { PeerInfo } from "../../protocol/messages";
import { disconnectRequested, helloReceived, peerLeft, presenceReceived } from "../connection/actions";

export interface PeersState {
  /** Other people in the room by client id, as the server last described them. */
  byId: Record<string, PeerInfo>;
  /** This person's display name, as typed (the server trims it to 40 characters). */
  myName: string;
  /** This tab's client id in the room, from `hello`. */
  selfId: string | null;
  /** This person's colour, once the server has echoed a presence of ours (hello does not carry it). */
  myColor: string | null;
}

export const initialPeersState: PeersState = { byId: {}, myName: "", selfId: null, myColor: null };

export const peersSlice = createSlice({
  name: "peers",
  initialState: initialPeersState,
  reducers: {
    nameChanged(state, action: PayloadAction<string>) {
      state.myName = action.payload;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(helloReceived, (state, { payload }) => {
        state.selfId = payload.clientId;
        state.byId = {};
        for (const peer of payload.peers) {
          if (peer.clientId !== payload.clientId) state.byId[peer.clientId] = peer;
        }
      })
      .addCase(presenceReceived, (state, { payload }) => {
        const { type: _type, ...peer } = payload;
        if (peer.clientId === state.selfId) state.myColor = peer.color;
        else state.byId[peer.clientId] = peer;
      })
      .addCase(peerLeft, (state, { payload }) => {
        delete state.byId[payload.clientId];
      })
      .addCase(disconnectRequested, (state) => ({ ...initialPeersState, myName: state.myName }));
  },
});

export const { nameChanged } = peersSlice.actions;

export const selectPeerList = createSelector([(state: { peers: PeersState }) => state.peers.byId], (byId) =>
  Object.values(byId).sort((a, b) => a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId)),
);
