import { describe, expect, it } from "vitest";
import { disconnectRequested, helloReceived, peerLeft, presenceReceived } from "../connection/actions";
import { initialPeersState, nameChanged, type PeersState, peersSlice, selectPeerList } from "./peersSlice";

const reduce = peersSlice.reducer;
const ada = { clientId: "ada", name: "Ada", color: "#e5534b", selection: { anchor: 1, head: 2 } };
const bob = { clientId: "bob", name: "Bob", color: "#2f81f7", selection: null };

describe("peersSlice", () => {
  it("takes the peers from hello, never listing this client", () => {
    const state = reduce(
      initialPeersState,
      helloReceived({ type: "hello", roomId: "r", clientId: "me", version: 0, text: "", language: "python", peers: [ada, { ...bob, clientId: "me" }], role: "editor" as const, latestVersion: null, viewers: 0, lastRun: null, }),
    );
    expect(Object.keys(state.byId)).toEqual(["ada"]);
    expect(state.selfId).toBe("me");
  });

  it("adds, updates and removes peers from presence and leave", () => {
    let state = reduce(initialPeersState, presenceReceived({ type: "presence", ...ada }));
    state = reduce(state, presenceReceived({ type: "presence", ...bob }));
    state = reduce(state, presenceReceived({ type: "presence", ...ada, name: "Ada L." }));
    expect(selectPeerList({ peers: state }).map((p) => p.name)).toEqual(["Ada L.", "Bob"]);
    state = reduce(state, peerLeft({ type: "leave", clientId: "ada" }));
    expect(Object.keys(state.byId)).toEqual(["bob"]);
  });

  it("learns this person's colour from an echoed presence", () => {
    let state: PeersState = { ...initialPeersState, selfId: "me" };
    state = reduce(state, presenceReceived({ type: "presence", ...ada, clientId: "me", color: "#3fb950" }));
    expect(state.myColor).toBe("#3fb950");
    expect(state.byId).toEqual({});
  });

  it("keeps the name across leaving a room", () => {
    let state = reduce(initialPeersState, nameChanged("Grace"));
    state = reduce(reduce(state, presenceReceived({ type: "presence", ...ada })), disconnectRequested());
    expect(state).toEqual({ ...initialPeersState, myName: "Grace" });
  });
});
