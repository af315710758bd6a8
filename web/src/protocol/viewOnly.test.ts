import { describe, expect, it } from "vitest";
import { helloReceived, viewersReceived } from "../features/connection/actions";
import { initialRoomState, roomSlice } from "../features/room/roomSlice";
import { parseServerMessage } from "./messages";

const parse = (m: unknown) => parseServerMessage(JSON.stringify(m));
const base = { type: "hello", clientId: "c", version: 3, text: "x", language: "go", peers: [] };

describe("view-only links on the wire (v2)", () => {
  it("reads an editor's hello with both ids and the viewer count", () => {
    expect(parse({ ...base, roomId: "edit-1234", viewId: "view-1234", role: "editor", viewers: 4 })).toMatchObject({
      role: "editor",
      roomId: "edit-1234",
      viewId: "view-1234",
      viewers: 4,
    });
  });

  it("reads a viewer's hello, which has no room id", () => {
    const hello = parse({ ...base, viewId: "view-1234", role: "viewer", viewers: 1 });
    expect(hello).toMatchObject({ type: "hello", role: "viewer", viewId: "view-1234", viewers: 1 });
    expect(hello && "roomId" in hello).toBe(false);
  });

  it("treats a version-1 hello as an editor's with nobody watching", () => {
    expect(parse({ ...base, roomId: "edit-1234" })).toMatchObject({ role: "editor", viewers: 0 });
  });

  it("refuses a hello with neither id", () => {
    expect(parse({ ...base, role: "viewer" })).toBeNull();
  });

  it("reads viewers counts and refuses bad ones", () => {
    expect(parse({ type: "viewers", count: 212 })).toEqual({ type: "viewers", count: 212 });
    expect(parse({ type: "viewers", count: -1 })).toBeNull();
    expect(parse({ type: "viewers" })).toBeNull();
  });

  it("keeps a presence's viewport, and drops a malformed one", () => {
    const presence = { type: "presence", clientId: "a", name: "Ada", color: "#fff", selection: null };
    expect(parse({ ...presence, viewport: { from: 10, to: 90 } })).toMatchObject({ viewport: { from: 10, to: 90 } });
    for (const viewport of [{ from: 9, to: 1 }, { from: -1, to: 3 }, { from: "0", to: 3 }, 7]) {
      const parsed = parse({ ...presence, viewport });
      expect(parsed).not.toBeNull();
      expect(parsed && "viewport" in parsed).toBe(false);
    }
  });
});

describe("roomSlice roles", () => {
  const reduce = roomSlice.reducer;

  it("takes role, ids and count from hello, and later counts from viewers", () => {
    const hello = parse({ ...base, viewId: "view-1234", role: "viewer", viewers: 2 });
    if (hello?.type !== "hello") throw new Error("not a hello");
    let state = reduce(initialRoomState, helloReceived(hello));
    expect(state).toMatchObject({ role: "viewer", editId: null, viewId: "view-1234", viewers: 2 });
    state = reduce(state, viewersReceived({ type: "viewers", count: 40 }));
    expect(state.viewers).toBe(40);
  });

  it("an editor learns both ids", () => {
    const hello = parse({ ...base, roomId: "edit-1234", viewId: "view-1234", role: "editor", viewers: 0 });
    if (hello?.type !== "hello") throw new Error("not a hello");
    expect(reduce(initialRoomState, helloReceived(hello))).toMatchObject({
      role: "editor",
      editId: "edit-1234",
      viewId: "view-1234",
    });
  });
});
