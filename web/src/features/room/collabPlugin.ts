/**
 * The editor side of sync: one ViewPlugin owns push and pull. The Editor
 * component hands it what the socket said; it tells the transport what to send.
 */
import { collab, getSyncedVersion, sendableUpdates } from "@codemirror/collab";
import { Facet, Transaction, type Extension } from "@codemirror/state";
import { type EditorView, ViewPlugin, type ViewUpdate } from "@codemirror/view";
import type { ConflictMessage, PushMessage, UpdateMessage } from "../../protocol/messages";
import { CollabSync } from "./collabSync";

export interface SyncProgress {
  version: number;
  pending: number;
  /** The last acknowledged push's round trip (push sent → its update echoed), ms. */
  roundTripMs: number | null;
}

export interface SyncTransport {
  send(message: PushMessage): void;
  resync(fresh: boolean, reason: string): void;
  /** The synced version, the number of unconfirmed updates or the last round trip changed. */
  report(progress: SyncProgress): void;
}

/**
 * How long the socket must stay quiet after a `since` hello before pushing, when
 * the hello carries no `latestVersion` (a version 1 server).
 */
const CATCH_UP_QUIET_MS = 150;

const syncTransport = Facet.define<SyncTransport, SyncTransport | null>({ combine: (v) => v[0] ?? null });

class SyncPlugin {
  readonly sync: CollabSync;
  private quiet: ReturnType<typeof setTimeout> | null = null;
  private reported: SyncProgress = { version: -1, pending: -1, roundTripMs: null };
  private reportQueued = false;

  constructor(private readonly view: EditorView) {
    const transport = () => view.state.facet(syncTransport);
    this.sync = new CollabSync({
      state: () => view.state,
      apply: (tr) => view.dispatch(tr),
      send: (message) => transport()?.send(message),
      resync: (fresh, reason) => transport()?.resync(fresh, reason),
    });
    this.queueReport();
  }

  update(update: ViewUpdate) {
    if (update.transactions.some((tr) => tr.docChanged && !tr.annotation(Transaction.remote))) this.sync.localChange();
    this.queueReport();
  }

  connected(catchUp: boolean, latestVersion: number | null) {
    this.sync.connected(catchUp, latestVersion);
    if (this.sync.isCatchingUp && !this.sync.knowsCatchUpEnd) this.restartQuietTimer();
  }

  disconnected() {
    this.stopQuietTimer();
    this.sync.disconnected();
  }

  receive(message: UpdateMessage) {
    this.sync.receive(message);
    if (this.sync.isCatchingUp && !this.sync.knowsCatchUpEnd) this.restartQuietTimer();
    this.queueReport();
  }

  conflict(message: ConflictMessage) {
    this.sync.conflict(message);
  }

  error() {
    this.sync.error();
  }

  private restartQuietTimer() {
    this.stopQuietTimer();
    this.quiet = setTimeout(() => {
      this.quiet = null;
      this.sync.caughtUp();
    }, CATCH_UP_QUIET_MS);
  }

  private stopQuietTimer() {
    if (this.quiet !== null) clearTimeout(this.quiet);
    this.quiet = null;
  }

  /** Report after the current update cycle, once however many changes it had. */
  private queueReport() {
    if (this.reportQueued) return;
    this.reportQueued = true;
    queueMicrotask(() => {
      this.reportQueued = false;
      const version = getSyncedVersion(this.view.state);
      const pending = sendableUpdates(this.view.state).length;
      const roundTripMs = this.sync.lastRoundTripMs === null ? null : Math.round(this.sync.lastRoundTripMs);
      const last = this.reported;
      if (version === last.version && pending === last.pending && roundTripMs === last.roundTripMs) return;
      this.reported = { version, pending, roundTripMs };
      this.view.state.facet(syncTransport)?.report(this.reported);
    });
  }

  destroy() {
    this.stopQuietTimer();
  }
}

export const syncPlugin = ViewPlugin.fromClass(SyncPlugin);

/** Collab for a document at `startVersion`, synced through `transport`. */
export function collabSync(startVersion: number, clientId: string, transport: SyncTransport): Extension {
  return [collab({ startVersion, clientID: clientId }), syncTransport.of(transport), syncPlugin];
}
