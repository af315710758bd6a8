import { collab, getSyncedVersion, sendableUpdates } from "@codemirror/collab";
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../../protocol/messages";
import { Authority, Network, SimSocket } from "../../test/authority";
import { seededRandom } from "../../test/random";
import { CollabSync } from "./collabSync";

/** A client: an EditorState with collab, driven by CollabSync over a simulated socket. */
class SimClient {
  state: EditorState | null = null;
  socket: SimSocket | null = null;
  readonly sync: CollabSync;
  /** Characters this client typed, to check that none is lost. */
  typed = "";
  resets = 0;

  constructor(
    readonly id: string,
    readonly net: Network,
    readonly alphabet: string,
  ) {
    this.sync = new CollabSync({
      state: () => this.state!,
      apply: (tr) => {
        this.state = tr.state;
      },
      send: (message) => this.socket?.send(message),
      resync: (fresh) => {
        this.disconnect();
        this.connect(fresh);
      },
    });
  }

  connect(fresh = false): void {
    const socket = new SimSocket(this.net, this.id, (m) => this.onMessage(socket, m));
    this.socket = socket;
    const since = this.state && !fresh ? getSyncedVersion(this.state) : undefined;
    this.net.authority.connect(socket, since);
  }

  disconnect(): void {
    if (!this.socket) return;
    this.net.authority.disconnect(this.socket);
    this.socket = null;
    this.sync.disconnected();
  }

  private onMessage(socket: SimSocket, m: ServerMessage): void {
    if (socket !== this.socket) return;
    switch (m.type) {
      case "hello":
        if (m.text !== null) {
          if (this.state) this.resets++;
          this.state = EditorState.create({
            doc: m.text,
            extensions: collab({ startVersion: m.version, clientID: this.id }),
          });
        }
        // The hello names the version that ends the catch-up (`latestVersion`).
        this.sync.connected(m.text === null, m.latestVersion ?? null);
        break;
      case "update":
        this.sync.receive(m);
        break;
      case "conflict":
        this.sync.conflict(m);
        break;
      case "error":
        this.sync.error();
        break;
    }
  }

  edit(random: () => number, deletes: boolean): void {
    if (!this.state) return;
    const length = this.state.doc.length;
    const pos = Math.floor(random() * (length + 1));
    if (deletes && length > 0 && random() < 0.3) {
      const to = Math.min(length, pos + 1 + Math.floor(random() * 3));
      this.state = this.state.update({ changes: { from: Math.min(pos, length - 1), to } }).state;
    } else {
      const n = 1 + Math.floor(random() * 3);
      let text = "";
      for (let i = 0; i < n; i++) text += this.alphabet[Math.floor(random() * this.alphabet.length)];
      if (random() < 0.1) text += "\n";
      this.typed += text.replace(/\n/g, "");
      this.state = this.state.update({ changes: { from: pos, insert: text } }).state;
    }
    this.sync.localChange();
  }
}

interface Scenario {
  seed: number;
  clients: number;
  steps: number;
  deletes: boolean;
  drops: boolean;
  maxDelay?: number;
}

function run({ seed, clients, steps, deletes, drops, maxDelay }: Scenario) {
  const random = seededRandom(seed);
  const authority = new Authority("start\n");
  const net = new Network(authority, random, maxDelay);
  const alphabets = ["abc", "def", "ghi", "jkl", "mno"];
  const sims = Array.from({ length: clients }, (_, i) => new SimClient(`c${i}`, net, alphabets[i % 5]));
  for (const c of sims) c.connect();
  for (let i = 0; i < steps; i++) {
    const r = random();
    const c = sims[Math.floor(random() * sims.length)];
    if (r < 0.35) c.edit(random, deletes);
    else if (drops && r < 0.38) {
      if (c.socket) c.disconnect();
      else c.connect();
    } else net.step();
  }
  for (const c of sims) if (!c.socket) c.connect();
  for (let guard = 0; !net.idle; guard++) {
    net.step();
    if (guard > 1_000_000) throw new Error("did not settle");
  }
  return { authority, sims };
}

function expectConverged({ authority, sims }: ReturnType<typeof run>) {
  for (const c of sims) {
    expect(c.state!.doc.toString()).toBe(authority.doc.toString());
    expect(sendableUpdates(c.state!)).toHaveLength(0);
    expect(getSyncedVersion(c.state!)).toBe(authority.version);
    expect(c.sync.hasPushInFlight).toBe(false);
    expect(c.resets).toBe(0);
  }
}

function expectNothingLost({ authority, sims }: ReturnType<typeof run>) {
  const count = (s: string) => [...s].sort().join("");
  const typed = sims.map((c) => c.typed).join("");
  expect(count(authority.doc.toString().replace(/[\nstar]/g, ""))).toBe(count(typed.replace(/[star]/g, "")));
}

describe("convergence with an in-memory authority", () => {
  it("two clients, inserts only, converge and lose nothing", () => {
    const result = run({ seed: 1, clients: 2, steps: 400, deletes: false, drops: false });
    expectConverged(result);
    expectNothingLost(result);
  });

  it("three clients with deletes converge", () => expectConverged(run({ seed: 2, clients: 3, steps: 600, deletes: true, drops: false })));

  it("five clients, long delays, converge", () =>
    expectConverged(run({ seed: 3, clients: 5, steps: 800, deletes: true, drops: false, maxDelay: 200 })));

  it("clients that drop and reconnect with since lose nothing", () => {
    const result = run({ seed: 4, clients: 3, steps: 800, deletes: false, drops: true });
    expectConverged(result);
    expectNothingLost(result);
  });

  it.each(Array.from({ length: 20 }, (_, i) => 100 + i))("random run %i with drops and deletes converges", (seed) =>
    expectConverged(run({ seed, clients: 2 + (seed % 3), steps: 500, deletes: true, drops: true, maxDelay: 5 + (seed % 50) })),
  );

  it.each(Array.from({ length: 10 }, (_, i) => 200 + i))("random run %i with drops loses no typed character", (seed) => {
    const result = run({ seed, clients: 3, steps: 500, deletes: false, drops: true, maxDelay: 30 });
    expectConverged(result);
    expectNothingLost(result);
  });
});

describe("CollabSync push discipline", () => {
  function single() {
    const sent: unknown[] = [];
    let state = EditorState.create({ doc: "abc", extensions: collab({ startVersion: 5, clientID: "me" }) });
    const resyncs: boolean[] = [];
    const clock = { ms: 1000 };
    const sync = new CollabSync({
      state: () => state,
      apply: (tr) => (state = tr.state),
      send: (m) => sent.push(m),
      resync: (fresh) => resyncs.push(fresh),
      now: () => clock.ms,
    });
    const type = (text: string) => {
      state = state.update({ changes: { from: state.doc.length, insert: text } }).state;
      sync.localChange();
    };
    return { sent, resyncs, sync, type, clock, get state() { return state; } };
  }

  it("measures the round trip of an acknowledged push: sent to its own update echoed", () => {
    const t = single();
    t.sync.connected(false);
    expect(t.sync.lastRoundTripMs).toBeNull();
    t.type("d");
    t.clock.ms += 12;
    // Someone else's update is not the acknowledgement.
    t.sync.receive({ type: "update", version: 6, clientId: "other", changes: [[0, "X"], 3] });
    expect(t.sync.lastRoundTripMs).toBeNull();
    t.sync.conflict({ type: "conflict", version: 6 });
    // The rebased push goes out now: its round trip starts here, not at the first try.
    expect(t.sent).toHaveLength(2);
    t.clock.ms += 9;
    t.sync.receive({ type: "update", version: 7, clientId: "me", changes: [4, [0, "d"]] });
    expect(t.sync.lastRoundTripMs).toBe(9);
  });

  it("keeps the last round trip while the next push is in flight", () => {
    const t = single();
    t.sync.connected(false);
    t.type("d");
    t.clock.ms += 7;
    t.sync.receive({ type: "update", version: 6, clientId: "me", changes: [3, [0, "d"]] });
    expect(t.sync.lastRoundTripMs).toBe(7);
    t.type("e");
    t.clock.ms += 100;
    expect(t.sync.lastRoundTripMs).toBe(7);
    t.sync.receive({ type: "update", version: 7, clientId: "me", changes: [4, [0, "e"]] });
    expect(t.sync.lastRoundTripMs).toBe(100);
  });

  it("keeps one push in flight and sends the rest after the confirmation", () => {
    const t = single();
    t.sync.connected(false);
    t.type("d");
    t.type("e");
    expect(t.sent).toEqual([{ type: "push", version: 5, updates: [{ clientId: "me", changes: [3, [0, "d"]] }] }]);
    t.sync.receive({ type: "update", version: 6, clientId: "me", changes: [3, [0, "d"]] });
    expect(t.sent[1]).toEqual({ type: "push", version: 6, updates: [{ clientId: "me", changes: [4, [0, "e"]] }] });
  });

  it("waits after a conflict until the missing updates arrive, then pushes rebased", () => {
    const t = single();
    t.sync.connected(false);
    t.type("d");
    t.sync.conflict({ type: "conflict", version: 6 });
    expect(t.sent).toHaveLength(1);
    t.sync.receive({ type: "update", version: 6, clientId: "other", changes: [[0, "X"], 3] });
    expect(t.state.doc.toString()).toBe("Xabcd");
    expect(t.sent[1]).toEqual({ type: "push", version: 6, updates: [{ clientId: "me", changes: [4, [0, "d"]] }] });
  });

  it("does not push while catching up after a since reconnect", () => {
    const t = single();
    t.type("d");
    t.sync.connected(true);
    expect(t.sent).toHaveLength(0);
    // Our earlier push had been stored before the drop: it comes back as a confirmation.
    t.sync.receive({ type: "update", version: 6, clientId: "me", changes: [3, [0, "d"]] });
    t.sync.caughtUp();
    expect(t.sent).toHaveLength(0);
    expect(sendableUpdates(t.state)).toHaveLength(0);
  });

  it("ends a catch-up as soon as the hello's latestVersion is applied, then pushes", () => {
    const t = single();
    t.type("d");
    t.sync.connected(true, 6);
    expect(t.sent).toHaveLength(0);
    t.sync.receive({ type: "update", version: 6, clientId: "other", changes: [[0, "X"], 3] });
    expect(t.sync.isCatchingUp).toBe(false);
    expect(t.sent).toEqual([{ type: "push", version: 6, updates: [{ clientId: "me", changes: [4, [0, "d"]] }] }]);
  });

  it("is caught up at once when the hello's latestVersion is its own version", () => {
    const t = single();
    t.type("d");
    t.sync.connected(true, 5);
    expect(t.sync.isCatchingUp).toBe(false);
    expect(t.sent).toHaveLength(1);
  });

  it("asks for a catch-up on a gap and ignores repeats", () => {
    const t = single();
    t.sync.connected(false);
    t.sync.receive({ type: "update", version: 5, clientId: "x", changes: [[0, "no"], 3] });
    expect(t.state.doc.toString()).toBe("abc");
    t.sync.receive({ type: "update", version: 7, clientId: "x", changes: [[0, "no"], 3] });
    expect(t.resyncs).toEqual([false]);
  });

  it("starts over when an update does not fit the document", () => {
    const t = single();
    t.sync.connected(false);
    t.sync.receive({ type: "update", version: 6, clientId: "x", changes: [[0, "no"], 9] });
    expect(t.resyncs).toEqual([true]);
    expect(t.state.doc.toString()).toBe("abc");
  });

  it("starts over when a conflict shows the server behind the client", () => {
    const t = single();
    t.sync.connected(false);
    t.type("d");
    t.sync.conflict({ type: "conflict", version: 3 });
    expect(t.resyncs).toEqual([true]);
  });

  it("retries a refused push, then starts over", () => {
    const t = single();
    t.sync.connected(false);
    t.type("d");
    t.sync.error();
    t.sync.error();
    expect(t.sent).toHaveLength(3);
    t.sync.error();
    expect(t.resyncs).toEqual([true]);
  });

  it("sends nothing while offline and everything once connected", () => {
    const t = single();
    t.type("d");
    t.type("e");
    expect(t.sent).toHaveLength(0);
    t.sync.connected(false);
    expect(t.sent).toHaveLength(1);
    expect((t.sent[0] as { updates: unknown[] }).updates).toHaveLength(2);
  });
});
