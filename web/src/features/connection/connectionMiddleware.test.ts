import { describe, expect, it } from "vitest";
import { makeStore } from "../../app/store";
import type { ClientMessage } from "../../protocol/messages";
import { initialPeersState } from "../peers/peersSlice";
import { documentLoaded, syncProgressed } from "../room/roomSlice";
import { connectRequested, disconnectRequested, messageSent, resyncRequested, retryNowRequested } from "./actions";
import { type ConnectionDeps, SILENCE_LIMIT_MS, type SocketLike } from "./connectionMiddleware";

class FakeSocket implements SocketLike {
  readyState = 0;
  bufferedAmount = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  serverOpens() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSays(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  serverCloses(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

function setup(online = true) {
  const sockets: FakeSocket[] = [];
  const timers: { at: number; run: () => void; id: number }[] = [];
  let now = 1000;
  let nextId = 1;
  let onOnline = () => {};
  let onOffline = () => {};
  const deps: ConnectionDeps = {
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    location: { protocol: "https:", host: "pair.example" },
    random: () => 0.5,
    now: () => now,
    setTimer: (run, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, run, id });
      return id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    isOnline: () => online,
    onOnline: (callback) => (onOnline = callback),
    onOffline: (callback) => (onOffline = callback),
  };
  const store = makeStore({ peers: { ...initialPeersState, myName: "Ada" } }, { connection: deps });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.run();
    }
  };
  const last = () => sockets[sockets.length - 1];
  const goOffline = () => {
    online = false;
    onOffline();
  };
  const goOnline = () => {
    online = true;
    onOnline();
  };
  return { store, sockets, timers, advance, last, goOnline, goOffline };
}

const hello = (version = 0, text: string | null = "") => ({
  type: "hello",
  roomId: "room-1234",
  clientId: "me",
  version,
  text,
  language: "python",
  peers: [],
});

describe("connection middleware", () => {
  it("opens the room's socket with the client id and name, and is connected at hello", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    expect(t.last().url).toBe("wss://pair.example/ws/room-1234?clientId=me&name=Ada");
    t.last().serverOpens();
    expect(t.store.getState().connection.status).toBe("connecting");
    t.last().serverSays(hello());
    expect(t.store.getState().connection.status).toBe("connected");
  });

  it("sends commands only on an open socket", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.store.dispatch(messageSent({ type: "language", language: "go" }));
    t.last().serverOpens();
    t.store.dispatch(messageSent({ type: "language", language: "rust" }));
    expect(t.last().sent).toEqual([{ type: "language", language: "rust" }]);
  });

  it("reconnects after a drop with backoff, since and the same client id", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverOpens();
    t.last().serverSays(hello(3, "abc"));
    t.store.dispatch(documentLoaded({ version: 3 }));
    t.store.dispatch(syncProgressed({ version: 5, pending: 1 }));
    t.last().serverCloses(1006);
    const { connection } = t.store.getState();
    // attempt 0 with random 0.5: 250 + 125 ms.
    expect(connection).toMatchObject({ status: "reconnecting", retryAt: 1375, attempt: 1 });
    expect(t.sockets).toHaveLength(1);
    t.advance(374);
    expect(t.sockets).toHaveLength(1);
    t.advance(1);
    expect(t.last().url).toBe("wss://pair.example/ws/room-1234?clientId=me&name=Ada&since=5");
    t.last().serverCloses(1006);
    expect(t.store.getState().connection).toMatchObject({ retryAt: 1375 + 750, attempt: 2 });
  });

  it.each([
    [4404, "room_not_found"],
    [4400, "invalid_room"],
    [4409, "replaced"],
    [4403, "forbidden"],
  ])("does not reconnect after %i", (code, reason) => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverCloses(code);
    expect(t.store.getState().connection).toMatchObject({ status: "stopped", stopReason: reason });
    t.advance(60_000);
    expect(t.sockets).toHaveLength(1);
  });

  it.each([1008, 1011, 1012, 1013])("reconnects after %i", (code) => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverCloses(code);
    t.advance(1000);
    expect(t.sockets).toHaveLength(2);
  });

  it("says offline while the browser has no network, and retries when it comes back", () => {
    const t = setup(false);
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverCloses(1006);
    expect(t.store.getState().connection.status).toBe("offline");
    t.goOnline();
    expect(t.sockets).toHaveLength(2);
  });

  it("gives up an open socket when the browser goes offline, and says so", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverOpens();
    t.last().serverSays(hello());
    t.store.dispatch(documentLoaded({ version: 0 }));
    t.goOffline();
    expect(t.sockets[0].closedWith).toBe(1000);
    expect(t.store.getState().connection.status).toBe("offline");
    t.goOnline();
    expect(t.sockets).toHaveLength(2);
    expect(t.last().url).toContain("since=0");
  });

  describe("a push the server leaves unanswered", () => {
    const push: ClientMessage = { type: "push", version: 0, updates: [{ clientId: "me", changes: [[0, "x"]] }] };
    const connected = () => {
      const t = setup();
      t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
      t.last().serverOpens();
      t.last().serverSays(hello());
      t.store.dispatch(documentLoaded({ version: 0 }));
      t.store.dispatch(messageSent(push));
      return t;
    };

    it("gives the socket up once the server has been silent for the limit", () => {
      const t = connected();
      t.advance(SILENCE_LIMIT_MS - 1);
      expect(t.store.getState().connection.status).toBe("connected");
      t.advance(1);
      expect(t.sockets[0].closedWith).toBe(1000);
      expect(t.store.getState().connection.status).toBe("reconnecting");
      t.advance(1000);
      expect(t.sockets).toHaveLength(2);
    });

    it("waits on while the server says anything, and stops at the answer", () => {
      const t = connected();
      t.advance(SILENCE_LIMIT_MS - 100);
      t.last().serverSays({ type: "viewers", count: 2 }); // alive: the wait starts again
      t.advance(SILENCE_LIMIT_MS - 100);
      t.last().serverSays({ type: "update", version: 1, clientId: "me", changes: [[0, "x"]] });
      t.advance(10 * SILENCE_LIMIT_MS);
      expect(t.sockets).toHaveLength(1);
      expect(t.store.getState().connection.status).toBe("connected");
    });

    it("waits on while our own frames are still being sent", () => {
      const t = connected();
      t.last().bufferedAmount = 4_000_000; // a big paste on a slow uplink
      t.advance(3 * SILENCE_LIMIT_MS);
      expect(t.sockets).toHaveLength(1);
      t.last().bufferedAmount = 0;
      t.advance(SILENCE_LIMIT_MS);
      expect(t.store.getState().connection.status).toBe("reconnecting");
    });
  });

  it("retries at once when asked", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverCloses(1006);
    t.store.dispatch(retryNowRequested());
    expect(t.sockets).toHaveLength(2);
    expect(t.timers).toHaveLength(0);
  });

  it("starts over without since when a fresh resync is asked for", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverOpens();
    t.last().serverSays(hello(2, "ab"));
    t.store.dispatch(documentLoaded({ version: 2 }));
    t.store.dispatch(resyncRequested({ fresh: true, reason: "test" }));
    expect(t.sockets[0].closedWith).toBe(1000);
    expect(t.last().url).not.toContain("since=");
  });

  it("closes without reconnecting when the room is left", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.last().serverOpens();
    t.store.dispatch(disconnectRequested());
    expect(t.sockets[0].closedWith).toBe(1000);
    t.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.store.getState().connection.status).toBe("idle");
  });

  it("lets a socket left mid-handshake open before closing it, and ignores what it says", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    t.store.dispatch(disconnectRequested());
    expect(t.sockets[0].closedWith).toBeNull();
    t.sockets[0].serverOpens();
    expect(t.sockets[0].closedWith).toBe(1000);
    t.sockets[0].serverSays(hello());
    expect(t.store.getState().connection.status).toBe("idle");
  });

  it("ignores frames that are not protocol messages", () => {
    const t = setup();
    t.store.dispatch(connectRequested({ roomId: "room-1234", clientId: "me" }));
    const before = t.store.getState();
    const warn = console.warn;
    console.warn = () => {};
    t.last().serverSays({ type: "mystery" });
    console.warn = warn;
    expect(t.store.getState()).toBe(before);
  });
});
