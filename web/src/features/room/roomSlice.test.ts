import { describe, expect, it } from "vitest";
import type { HelloMessage } from "../../protocol/messages";
import { makeStore } from "../../app/store";
import { connectRequested, disconnectRequested, helloReceived, languageReceived } from "../connection/actions";
import { documentLoaded, initialRoomState, languageChosen, noticeDismissed, noticeShown, roomSlice, syncProgressed } from "./roomSlice";

const reduce = roomSlice.reducer;
const hello: HelloMessage = { type: "hello", roomId: "room-1234", clientId: "srv-id", version: 7, text: "x", language: "go", peers: [], role: "editor" as const, latestVersion: null, viewers: 0, lastRun: null, };

describe("roomSlice", () => {
  it("starts a room on connect and keeps its sync state when reconnecting to the same room", () => {
    let state = reduce(initialRoomState, connectRequested({ roomId: "room-1234", clientId: "me" }));
    expect(state).toMatchObject({ roomId: "room-1234", clientId: "me", loaded: false });
    state = reduce(state, documentLoaded({ version: 4 }));
    state = reduce(state, syncProgressed({ version: 6, pending: 2 }));
    state = reduce(state, connectRequested({ roomId: "room-1234", clientId: "me" }));
    expect(state).toMatchObject({ loaded: true, version: 6, pending: 2 });
    state = reduce(state, connectRequested({ roomId: "other-room", clientId: "me" }));
    expect(state).toMatchObject({ roomId: "other-room", loaded: false, version: 0 });
  });

  it("keeps the last round trip until a newer one is reported", () => {
    let state = reduce(initialRoomState, syncProgressed({ version: 1, pending: 0, roundTripMs: 14 }));
    expect(state.roundTripMs).toBe(14);
    state = reduce(state, syncProgressed({ version: 1, pending: 1, roundTripMs: null }));
    expect(state.roundTripMs).toBe(14);
    state = reduce(state, syncProgressed({ version: 2, pending: 0, roundTripMs: 3 }));
    expect(state.roundTripMs).toBe(3);
  });

  it("takes id and language from hello, and language changes from anyone", () => {
    let state = reduce(initialRoomState, helloReceived(hello));
    expect(state).toMatchObject({ clientId: "srv-id", language: "go" });
    state = reduce(state, languageReceived({ type: "language", language: "typescript", clientId: "p" }));
    expect(state.language).toBe("typescript");
    state = reduce(state, languageChosen("rust"));
    expect(state.language).toBe("rust");
  });

  it("shows and dismisses a notice", () => {
    const state = reduce(initialRoomState, noticeShown("reloaded"));
    expect(state.notice).toBe("reloaded");
    expect(reduce(state, noticeDismissed()).notice).toBeNull();
  });

  it("forgets everything when the room is left", () => {
    const state = reduce({ ...initialRoomState, loaded: true, version: 9 }, disconnectRequested());
    expect(state).toEqual(initialRoomState);
  });

  it("can be seeded through makeStore", () => {
    const store = makeStore({ room: { ...initialRoomState, language: "typescript" } });
    expect(store.getState().room.language).toBe("typescript");
  });
});
