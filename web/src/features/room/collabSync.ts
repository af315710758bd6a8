/**
 * The client side of the collab protocol, apart from any view or socket so that
 * it can be tested against an in-memory authority. `@codemirror/collab` owns the
 * versions and the rebasing; this class decides when to push and what to do
 * with `update`, `conflict` and `error`. One push is in flight at a time.
 */
import {
  getClientID,
  getSyncedVersion,
  receiveUpdates,
  sendableUpdates,
} from "@codemirror/collab";
import type { EditorState, Transaction } from "@codemirror/state";
import { pushMessage, updateFromWire } from "../../protocol/changes";
import type { ConflictMessage, PushMessage, UpdateMessage } from "../../protocol/messages";

export interface SyncHost {
  state(): EditorState;
  /** Apply a transaction made by `receiveUpdates` to the editor. */
  apply(tr: Transaction): void;
  send(message: PushMessage): void;
  /**
   * Reconnect: with `since` (`fresh: false`) to fill a gap, or without it
   * (`fresh: true`) to start over from the server's text.
   */
  resync(fresh: boolean, reason: string): void;
  /** The clock for round trips, in ms (default `performance.now`). */
  now?(): number;
}

/** Consecutive rejected pushes after which the client gives up and starts over. */
const MAX_REJECTED_PUSHES = 3;

export class CollabSync {
  private online = false;
  /** After a `since` reconnect: the missing updates are still arriving. */
  private catchingUp = false;
  /** The version that ends the catch-up, when the hello named it (`latestVersion`). */
  private catchUpTarget: number | null = null;
  private inflight: { version: number; count: number; sentAt: number } | null = null;
  private roundTrip: number | null = null;
  /** After a `conflict`: the version to reach before pushing again. */
  private awaiting: number | null = null;
  private rejected = 0;

  constructor(private readonly host: SyncHost) {}

  private clock(): number {
    return this.host.now ? this.host.now() : performance.now();
  }

  /**
   * The socket said `hello` for this document. `catchUp`: it came with
   * `text: null`, so missed updates follow, and a push now could be answered by
   * our own earlier updates arriving, which would read as its acceptance.
   */
  connected(catchUp: boolean, latestVersion: number | null = null): void {
    this.online = true;
    this.inflight = null;
    this.awaiting = null;
    this.catchingUp = catchUp;
    this.catchUpTarget = catchUp ? latestVersion : null;
    if (this.reachedCatchUpTarget()) this.catchingUp = false;
    this.push();
  }

  /**
   * The missed updates have arrived: the update named by the hello's
   * `latestVersion` is applied, or (a server without it) the socket went quiet.
   */
  caughtUp(): void {
    if (!this.catchingUp) return;
    this.catchingUp = false;
    this.catchUpTarget = null;
    this.push();
  }

  /** Whether the hello named its version, so that no quiet timer is needed. */
  get knowsCatchUpEnd(): boolean {
    return this.catchUpTarget !== null;
  }

  private reachedCatchUpTarget(): boolean {
    return this.catchUpTarget !== null && getSyncedVersion(this.host.state()) >= this.catchUpTarget;
  }

  disconnected(): void {
    this.catchUpTarget = null;
    this.online = false;
    this.inflight = null;
    this.awaiting = null;
    this.catchingUp = false;
  }

  get isCatchingUp(): boolean {
    return this.catchingUp;
  }

  /**
   * The round trip of the last acknowledged push, in ms: from sending it to the
   * server echoing its last update back (null until the first one).
   */
  get lastRoundTripMs(): number | null {
    return this.roundTrip;
  }

  get hasPushInFlight(): boolean {
    return this.inflight !== null;
  }

  /** The editor changed locally. */
  localChange(): void {
    this.push();
  }

  receive(message: UpdateMessage): void {
    const state = this.host.state();
    const synced = getSyncedVersion(state);
    if (message.version <= synced) return;
    if (message.version !== synced + 1) {
      this.host.resync(false, `expected version ${synced + 1}, got ${message.version}`);
      return;
    }
    let update;
    try {
      update = updateFromWire(message);
    } catch (error) {
      this.host.resync(true, `unreadable update ${message.version}: ${String(error)}`);
      return;
    }
    const pending = sendableUpdates(state);
    const baseLength = pending.length ? pending[0].changes.length : state.doc.length;
    if (update.changes.length !== baseLength) {
      this.host.resync(true, `update ${message.version} covers ${update.changes.length} units, document has ${baseLength}`);
      return;
    }
    this.host.apply(receiveUpdates(state, [update]));
    if (this.catchingUp && this.reachedCatchUpTarget()) {
      this.caughtUp();
      return;
    }
    const ownId = getClientID(state);
    if (this.inflight && message.clientId === ownId && message.version === this.inflight.version + this.inflight.count) {
      this.roundTrip = Math.max(0, this.clock() - this.inflight.sentAt);
      this.inflight = null;
      this.rejected = 0;
    }
    this.push();
  }

  conflict(message: ConflictMessage): void {
    // Versions only grow: a conflict that is not ahead of the push means the
    // server is behind this client (its store lost updates); only starting over helps.
    if (this.inflight && message.version <= this.inflight.version) {
      this.inflight = null;
      this.host.resync(true, `server is at version ${message.version}, behind this client`);
      return;
    }
    this.inflight = null;
    this.awaiting = Math.max(this.awaiting ?? 0, message.version);
    this.push();
  }

  /** The server answered `error`: while a push is out, it is most likely about that push. */
  error(): void {
    if (!this.inflight) return;
    this.inflight = null;
    this.rejected += 1;
    if (this.rejected >= MAX_REJECTED_PUSHES) {
      this.rejected = 0;
      this.host.resync(true, "the server refused these edits");
      return;
    }
    this.push();
  }

  private push(): void {
    if (!this.online || this.catchingUp || this.inflight) return;
    const state = this.host.state();
    const version = getSyncedVersion(state);
    if (this.awaiting !== null) {
      if (version < this.awaiting) return;
      this.awaiting = null;
    }
    const updates = sendableUpdates(state);
    if (!updates.length) return;
    this.inflight = { version, count: updates.length, sentAt: this.clock() };
    this.host.send(pushMessage(version, updates));
  }
}
