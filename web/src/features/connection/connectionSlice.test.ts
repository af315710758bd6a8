import { describe, expect, it } from "vitest";
import {
  connectionStopped,
  connectRequested,
  disconnectRequested,
  helloReceived,
  retryScheduled,
  socketClosed,
  socketConnecting,
} from "./actions";
import { connectionSlice, initialConnectionState } from "./connectionSlice";

const reduce = connectionSlice.reducer;
const hello = helloReceived({ type: "hello", roomId: "r", clientId: "c", version: 0, text: "", language: "python", peers: [], role: "editor" as const, latestVersion: null, viewers: 0, lastRun: null, });

describe("connectionSlice", () => {
  it("is connected only once hello has arrived", () => {
    let state = reduce(initialConnectionState, connectRequested({ roomId: "room-1234", clientId: "c" }));
    expect(state.status).toBe("connecting");
    state = reduce(state, socketConnecting({ attempt: 0 }));
    expect(state.status).toBe("connecting");
    state = reduce(state, hello);
    expect(state).toMatchObject({ status: "connected", attempt: 0 });
  });

  it("tells when the next attempt is, and whether the browser is offline", () => {
    let state = reduce({ ...initialConnectionState, status: "connected" }, socketClosed({ code: 1006, reason: "" }));
    state = reduce(state, retryScheduled({ retryAt: 5000, attempt: 1, offline: false }));
    expect(state).toMatchObject({ status: "reconnecting", retryAt: 5000, attempt: 1, lastCloseCode: 1006 });
    state = reduce(state, retryScheduled({ retryAt: 9000, attempt: 2, offline: true }));
    expect(state.status).toBe("offline");
    state = reduce(state, socketConnecting({ attempt: 2 }));
    expect(state).toMatchObject({ status: "connecting", retryAt: null });
    state = reduce(state, hello);
    expect(state).toMatchObject({ status: "connected", attempt: 0, retryAt: null });
  });

  it("stops with a reason", () => {
    const state = reduce(initialConnectionState, connectionStopped({ reason: "room_not_found", code: 4404 }));
    expect(state).toMatchObject({ status: "stopped", stopReason: "room_not_found", lastCloseCode: 4404 });
    expect(reduce(state, disconnectRequested())).toEqual(initialConnectionState);
  });
});
