import { ChangeSet } from "@codemirror/state";
import type { Update } from "@codemirror/collab";
import type { ChangesJSON, PushMessage, UpdateMessage, WireUpdate } from "./messages";

/** A local update as a `push` carries it. */
export function updateToWire(update: Update): WireUpdate {
  return { clientId: update.clientID, changes: update.changes.toJSON() as ChangesJSON };
}

/** A server `update` as `receiveUpdates` takes it; throws on a malformed change set. */
export function updateFromWire(message: Pick<UpdateMessage, "clientId" | "changes">): Update {
  return { clientID: message.clientId, changes: ChangeSet.fromJSON(message.changes) };
}

export function pushMessage(version: number, updates: readonly Update[]): PushMessage {
  return { type: "push", version, updates: updates.map(updateToWire) };
}
