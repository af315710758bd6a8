import { createSlice } from "@reduxjs/toolkit";
import type { StopReason } from "./backoff";
import {
  connectionStopped,
  connectRequested,
  disconnectRequested,
  helloReceived,
  retryScheduled,
  socketClosed,
  socketConnecting,
} from "./actions";

export type ConnectionStatus =
  /** No room open. */
  | "idle"
  /** A socket is opening, or open and waiting for `hello`. */
  | "connecting"
  /** `hello` received: updates flow. */
  | "connected"
  /** Dropped; the next attempt is at `retryAt`. */
  | "reconnecting"
  /** Dropped while the browser says it has no network; retries go on. */
  | "offline"
  /** Closed for good (`stopReason` says why); no retry. */
  | "stopped";

export interface ConnectionState {
  status: ConnectionStatus;
  /** Consecutive failed attempts since the last `hello`. */
  attempt: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  retryAt: number | null;
  stopReason: StopReason | null;
  lastCloseCode: number | null;
}

export const initialConnectionState: ConnectionState = {
  status: "idle",
  attempt: 0,
  retryAt: null,
  stopReason: null,
  lastCloseCode: null,
};

export const connectionSlice = createSlice({
  name: "connection",
  initialState: initialConnectionState,
  reducers: {},
  extraReducers: (builder) => {
    builder
      .addCase(connectRequested, () => ({ ...initialConnectionState, status: "connecting" }))
      .addCase(disconnectRequested, () => initialConnectionState)
      .addCase(socketConnecting, (state, { payload }) => {
        state.status = "connecting";
        state.attempt = payload.attempt;
        state.retryAt = null;
      })
      .addCase(helloReceived, (state) => {
        state.status = "connected";
        state.attempt = 0;
        state.retryAt = null;
      })
      .addCase(socketClosed, (state, { payload }) => {
        state.lastCloseCode = payload.code;
      })
      .addCase(retryScheduled, (state, { payload }) => {
        state.status = payload.offline ? "offline" : "reconnecting";
        state.retryAt = payload.retryAt;
        state.attempt = payload.attempt;
      })
      .addCase(connectionStopped, (state, { payload }) => {
        state.status = "stopped";
        state.stopReason = payload.reason;
        state.lastCloseCode = payload.code;
        state.retryAt = null;
      });
  },
});
