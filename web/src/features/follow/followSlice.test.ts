import { describe, expect, it } from "vitest";
import { makeStore } from "../../app/store";
import type { HelloMessage } from "../../protocol/messages";
import { disconnectRequested, helloReceived, peerLeft, presenceReceived, updateReceived } from "../connection/actions";
import {
  followSlice,
  followStarted,
  followStopped,
  followTypistStarted,
  initialFollowState,
  isFollowing,
  selectFollowed,
} from "./followSlice";

const reduce = followSlice.reducer;
const hello = (role: "editor" | "viewer"): HelloMessage => ({
  type: "hello",
  role,
  clientId: "me",
  version: 0,
  latestVersion: null,
  text: "",
  language: "python",
  peers: [],
  viewers: 0,
});
const edit = (clientId: string, version = 1) => updateReceived({ type: "update", version, clientId, changes: [] });

describe("followSlice", () => {
  it("a viewer follows whoever typed last, by default", () => {
    let state = reduce(initialFollowState, helloReceived(hello("viewer")));
    expect(state).toMatchObject({ auto: true, target: null });
    state = reduce(state, edit("ada"));
    expect(state.target).toBe("ada");
    state = reduce(state, edit("bob", 2));
    expect(state.target).toBe("bob");
  });

  it("an editor follows nobody until it clicks someone, and never itself", () => {
    let state = reduce(initialFollowState, helloReceived(hello("editor")));
    state = reduce(state, edit("ada"));
    expect(state).toMatchObject({ target: null, auto: false, lastTypist: "ada" });
    state = reduce(state, followTypistStarted());
    expect(state.target).toBe("ada");
    state = reduce(state, edit("me", 2));
    expect(state.target).toBe("ada");
  });

  it("following one person ignores others' edits; scrolling stops it for good", () => {
    let state = reduce(initialFollowState, helloReceived(hello("viewer")));
    state = reduce(state, followStarted("bob"));
    state = reduce(state, edit("ada"));
    expect(state).toMatchObject({ target: "bob", auto: false });
    state = reduce(state, followStopped());
    expect(state).toMatchObject({ target: null, auto: false });
    // A reconnect's hello does not undo the choice.
    state = reduce(state, helloReceived(hello("viewer")));
    state = reduce(state, edit("ada", 2));
    expect(state.target).toBeNull();
  });

  it("stops following someone who left, and resets with the room", () => {
    let state = reduce(initialFollowState, followStarted("ada"));
    state = reduce(state, peerLeft({ type: "leave", clientId: "ada" }));
    expect(state.target).toBeNull();
    state = reduce(state, disconnectRequested());
    expect(state).toEqual(initialFollowState);
  });

  it("selects the followed peer and whether anything is followed", () => {
    const store = makeStore();
    store.dispatch(helloReceived(hello("editor")));
    expect(isFollowing(store.getState())).toBe(false);
    const ada = { clientId: "ada", name: "Ada", color: "#e5534b", selection: { anchor: 3, head: 3 } };
    store.dispatch(presenceReceived({ type: "presence", ...ada, viewport: { from: 0, to: 40 } }));
    store.dispatch(followStarted("ada"));
    expect(isFollowing(store.getState())).toBe(true);
    expect(selectFollowed(store.getState())).toMatchObject({ name: "Ada", viewport: { from: 0, to: 40 } });
  });
});
