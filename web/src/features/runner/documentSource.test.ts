import { collab, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { readSyncedDocument } from "./documentSource";

function typed(): EditorState {
  const state = EditorState.create({ doc: "print(1)", extensions: [collab({ startVersion: 7, clientID: "me" })] });
  return state.update({ changes: { from: 6, to: 7, insert: "2" } }).state;
}

describe("readSyncedDocument", () => {
  it("waits for this person's own edits to be confirmed, then names their version", async () => {
    const holder = { state: typed() };
    let result: { text: string; version: number } | null = null;
    const reading = readSyncedDocument(() => holder, 5000).then((doc) => (result = doc));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result).toBeNull(); // still unconfirmed: the run has not started
    // The server echoes the edit back as version 8.
    const mine = sendableUpdates(holder.state);
    holder.state = receiveUpdates(holder.state, mine.map((u) => ({ changes: u.changes, clientID: u.clientID }))).state;
    expect(getSyncedVersion(holder.state)).toBe(8);
    await reading;
    expect(result).toEqual({ text: "print(2)", version: 8 });
  });

  it("runs the text as it is after the wait when no confirmation comes", async () => {
    const holder = { state: typed() };
    expect(await readSyncedDocument(() => holder, 30)).toEqual({ text: "print(2)", version: 7 });
  });

  it("reads at once when nothing is pending, and nothing without an editor", async () => {
    const state = EditorState.create({ doc: "x", extensions: [collab({ startVersion: 3 })] });
    expect(await readSyncedDocument(() => ({ state }), 5000)).toEqual({ text: "x", version: 3 });
    expect(await readSyncedDocument(() => null)).toBeNull();
  });
});
