import { ChangeSet, EditorState, Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { pushMessage, updateFromWire, updateToWire } from "./changes";

const doc = (s: string) => Text.of(s.split("\n"));

describe("change sets on the wire", () => {
  it.each([
    ["hello world", [5, [0, ","], 6], "hello, world"],
    ["hello world", [[5, "goodbye"], 6], "goodbye world"],
    ["", [[0, "a", "b"]], "a\nb"],
    ["abc\ndef", [3, [1], 3], "abcdef"],
  ] as const)("applies PROTOCOL.md's example on %j: %j", (before, json, after) => {
    const changes = ChangeSet.fromJSON(json);
    expect(changes.apply(doc(before)).toString()).toBe(after);
    expect(changes.toJSON()).toEqual(json);
  });

  it("turns an editor's change into the JSON the protocol names", () => {
    const state = EditorState.create({ doc: "hello world" });
    const tr = state.update({ changes: { from: 5, insert: "," } });
    expect(updateToWire({ clientID: "me", changes: tr.changes })).toEqual({ clientId: "me", changes: [5, [0, ","], 6] });
  });

  it("reads a server update back into the same change set", () => {
    const update = updateFromWire({ clientId: "you", changes: [[5, "goodbye"], 6] });
    expect(update.clientID).toBe("you");
    expect(update.changes.apply(doc("hello world")).toString()).toBe("goodbye world");
  });

  it("counts positions in UTF-16 units: an emoji is two", () => {
    const state = EditorState.create({ doc: "a😀b" });
    expect(state.doc.length).toBe(4);
    const tr = state.update({ changes: { from: 3, insert: "!" } });
    expect(tr.newDoc.toString()).toBe("a😀!b");
    expect(tr.changes.toJSON()).toEqual([3, [0, "!"], 1]);
    const back = updateFromWire({ clientId: "x", changes: [[3, "🎉"], 1] });
    expect(back.changes.apply(state.doc).toString()).toBe("🎉b");
  });

  it("joins multi-line inserts with \\n, one unit each", () => {
    const state = EditorState.create({ doc: "x" });
    const tr = state.update({ changes: { from: 1, insert: "\nline 2\nline 3" } });
    expect(tr.changes.toJSON()).toEqual([1, [0, "", "line 2", "line 3"]]);
    expect(tr.newDoc.length).toBe(1 + 1 + 6 + 1 + 6);
  });

  it("rejects malformed JSON change sets", () => {
    expect(() => updateFromWire({ clientId: "x", changes: [["no"]] as never })).toThrow();
  });

  it("tells a change set's base length, which must be the document's", () => {
    expect(ChangeSet.fromJSON([5, [0, ","], 6]).length).toBe(11);
    expect(() => ChangeSet.fromJSON([5, [0, ","], 4]).apply(doc("hello world"))).toThrow();
  });

  it("builds a push of every pending update on top of a version", () => {
    const a = ChangeSet.of({ from: 0, insert: "a" }, 0);
    const b = ChangeSet.of({ from: 1, insert: "b" }, 1);
    expect(pushMessage(12, [{ clientID: "me", changes: a }, { clientID: "me", changes: b }])).toEqual({
      type: "push",
      version: 12,
      updates: [
        { clientId: "me", changes: [[0, "a"]] },
        { clientId: "me", changes: [1, [0, "b"]] },
      ],
    });
  });
});
