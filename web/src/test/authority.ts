/**
 * An in-memory authority that follows PROTOCOL.md for pushes, conflicts and
 * `since` reconnects, with a network that delivers each direction of each
 * socket in order after random delays. For testing the client algorithm only.
 */
import { ChangeSet, Text } from "@codemirror/state";
import type { ClientMessage, ServerMessage } from "../protocol/messages";

interface StoredUpdate {
  clientId: string;
  changes: ChangeSet;
}

export class SimSocket {
  open = true;
  lastToClient = 0;
  lastToServer = 0;
  constructor(
    readonly net: Network,
    readonly clientId: string,
    readonly onMessage: (m: ServerMessage) => void,
  ) {}

  send(message: ClientMessage): void {
    if (!this.open) return;
    const copy = JSON.parse(JSON.stringify(message)) as ClientMessage;
    this.lastToServer = this.net.schedule(this.lastToServer, () => {
      if (this.open) this.net.authority.handle(this, copy);
    });
  }

  deliver(message: ServerMessage): void {
    const copy = JSON.parse(JSON.stringify(message)) as ServerMessage;
    this.lastToClient = this.net.schedule(this.lastToClient, () => {
      if (this.open) this.onMessage(copy);
    });
  }
}

export class Authority {
  doc: Text;
  readonly updates: StoredUpdate[] = [];
  readonly sockets = new Set<SimSocket>();

  constructor(text = "") {
    this.doc = Text.of(text.split("\n"));
  }

  get version(): number {
    return this.updates.length;
  }

  connect(socket: SimSocket, since?: number): void {
    this.sockets.add(socket);
    const catchUp = since !== undefined && since <= this.version;
    socket.deliver({
      type: "hello",
      roomId: "room-test",
      viewId: "view-test",
      role: "editor",
      clientId: socket.clientId,
      version: catchUp ? since : this.version,
      latestVersion: catchUp ? this.version : null,
      text: catchUp ? null : this.doc.toString(),
      language: "python",
      peers: [],
      viewers: 0,
      lastRun: null,
    });
    if (catchUp) {
      for (let v = since; v < this.version; v++) socket.deliver(this.updateMessage(v));
    }
  }

  disconnect(socket: SimSocket): void {
    socket.open = false;
    this.sockets.delete(socket);
  }

  handle(socket: SimSocket, message: ClientMessage): void {
    if (message.type !== "push") return;
    if (message.version !== this.version) {
      socket.deliver({ type: "conflict", version: this.version });
      return;
    }
    let doc = this.doc;
    const accepted: StoredUpdate[] = [];
    for (const update of message.updates) {
      if (update.clientId !== socket.clientId) throw new Error("push carries another client's update");
      const changes = ChangeSet.fromJSON(update.changes);
      if (changes.length !== doc.length) {
        socket.deliver({ type: "error", code: "invalid_changes", message: "length mismatch" });
        return;
      }
      doc = changes.apply(doc);
      accepted.push({ clientId: update.clientId, changes });
    }
    const first = this.version;
    this.doc = doc;
    this.updates.push(...accepted);
    for (let v = first; v < this.version; v++) {
      for (const s of this.sockets) s.deliver(this.updateMessage(v));
    }
  }

  private updateMessage(index: number): ServerMessage {
    const { clientId, changes } = this.updates[index];
    return { type: "update", version: index + 1, clientId, changes: changes.toJSON() as never };
  }
}

/** A discrete-event clock: callbacks run in time order, ties in scheduling order. */
export class Network {
  now = 0;
  private seq = 0;
  private queue: { at: number; seq: number; run: () => void }[] = [];

  constructor(
    readonly authority: Authority,
    readonly random: () => number,
    readonly maxDelay = 20,
  ) {}

  /** Schedule after a random delay, but not before `after` (keeps one direction in order). */
  schedule(after: number, run: () => void): number {
    const at = Math.max(after, this.now + 1 + Math.floor(this.random() * this.maxDelay));
    this.queue.push({ at, seq: this.seq++, run });
    return at;
  }

  /** Run the next event; false when none is left. */
  step(): boolean {
    if (!this.queue.length) return false;
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) {
      const a = this.queue[i], b = this.queue[best];
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
    }
    const [event] = this.queue.splice(best, 1);
    this.now = Math.max(this.now, event.at);
    event.run();
    return true;
  }

  get idle(): boolean {
    return this.queue.length === 0;
  }
}
