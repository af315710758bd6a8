import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { Role } from "../../protocol/messages";
import {
  connectRequested,
  disconnectRequested,
  helloReceived,
  languageReceived,
  viewersReceived,
} from "../connection/actions";

export interface RoomState {
  roomId: string | null;
  /** This tab's id in the room; the server's `hello` has the last word. */
  clientId: string | null;
  language: string;
  /** The version the editor has synced up to (`getSyncedVersion`). */
  version: number;
  /** Local updates not yet confirmed by the server (`sendableUpdates(state).length`). */
  pending: number;
  /** The round trip of this person's last acknowledged edit, in ms (null: none yet). */
  roundTripMs: number | null;
  /** Whether the editor holds the room's document (a `hello` with text has arrived). */
  loaded: boolean;
  /** Something the person should know, e.g. that unsent edits were discarded. */
  notice: string | null;
  /** What this link lets its holder do, from `hello` (v2). */
  role: Role;
  /** The editing link's id: an editor's hello only (a viewer never learns it). */
  editId: string | null;
  /** The view-only link's id. */
  viewId: string | null;
  /** How many people watch through the view-only link, across all processes. */
  viewers: number;
}

export const initialRoomState: RoomState = {
  roomId: null,
  clientId: null,
  language: "python",
  version: 0,
  pending: 0,
  roundTripMs: null,
  loaded: false,
  notice: null,
  role: "editor",
  editId: null,
  viewId: null,
  viewers: 0,
};

export const roomSlice = createSlice({
  name: "room",
  initialState: initialRoomState,
  reducers: {
    /** The editor reports its collab state after every change of it. */
    syncProgressed(state, action: PayloadAction<{ version: number; pending: number; roundTripMs?: number | null }>) {
      state.version = action.payload.version;
      state.pending = action.payload.pending;
      if (action.payload.roundTripMs != null) state.roundTripMs = action.payload.roundTripMs;
    },
    /** The editor now holds the server's text at `version`. */
    documentLoaded(state, action: PayloadAction<{ version: number }>) {
      state.loaded = true;
      state.version = action.payload.version;
      state.pending = 0;
    },
    /** This person picked a language; the middleware sends it, the server broadcasts it. */
    languageChosen(state, action: PayloadAction<string>) {
      state.language = action.payload;
    },
    noticeShown(state, action: PayloadAction<string>) {
      state.notice = action.payload;
    },
    noticeDismissed(state) {
      state.notice = null;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(connectRequested, (state, { payload }) => {
        if (state.roomId !== payload.roomId) return { ...initialRoomState, ...payload };
        state.clientId = payload.clientId;
      })
      .addCase(disconnectRequested, () => initialRoomState)
      .addCase(helloReceived, (state, { payload }) => {
        state.clientId = payload.clientId;
        state.language = payload.language;
        state.role = payload.role ?? "editor";
        state.editId = payload.roomId ?? null;
        state.viewId = payload.viewId ?? null;
        state.viewers = payload.viewers ?? 0;
      })
      .addCase(viewersReceived, (state, { payload }) => {
        state.viewers = payload.count;
      })
      .addCase(languageReceived, (state, { payload }) => {
        state.language = payload.language;
      });
  },
});

export const { syncProgressed, documentLoaded, languageChosen, noticeShown, noticeDismissed } = roomSlice.actions;
