import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { translucent, safeColor } from "./colors";
import { initialPeerCursors, peerCursor, peerCursorsField, peerDecorations, peerMoved, peerRemoved, peersReset } from "./peerCursors";

const state = (doc = "hello world") => EditorState.create({ doc, extensions: [peerCursorsField] });
const ada = { clientId: "ada", name: "Ada", color: "#e5534b", anchor: 2, head: 5 };

describe("peer cursors", () => {
  it("clamps a peer's selection to this document", () => {
    expect(peerCursor({ clientId: "a", name: "A", color: "#fff", selection: { anchor: 3, head: 99 } }, 11)).toMatchObject({
      anchor: 3,
      head: 11,
    });
    expect(peerCursor({ clientId: "a", name: "A", color: "#fff", selection: null }, 11)).toBeNull();
    const s = state().update({ effects: peerMoved.of({ ...ada, head: 50 }) }).state;
    expect(s.field(peerCursorsField)[0].head).toBe(11);
  });

  it("maps cursors through local and remote changes", () => {
    let s = state().update({ effects: peerMoved.of(ada) }).state;
    s = s.update({ changes: { from: 0, insert: ">> " } }).state;
    expect(s.field(peerCursorsField)[0]).toMatchObject({ anchor: 5, head: 8 });
    s = s.update({ changes: { from: 0, to: 6 } }).state;
    expect(s.field(peerCursorsField)[0]).toMatchObject({ anchor: 0, head: 2 });
  });

  it("replaces a peer's cursor on presence and drops it on leave", () => {
    let s = state().update({ effects: [peerMoved.of(ada), peerMoved.of({ ...ada, clientId: "bob", name: "Bob" })] }).state;
    s = s.update({ effects: peerMoved.of({ ...ada, anchor: 0, head: 0 }) }).state;
    expect(s.field(peerCursorsField).map((c) => [c.clientId, c.head])).toEqual([
      ["bob", 5],
      ["ada", 0],
    ]);
    s = s.update({ effects: peerRemoved.of("bob") }).state;
    expect(s.field(peerCursorsField).map((c) => c.clientId)).toEqual(["ada"]);
    s = s.update({ effects: peersReset.of([]) }).state;
    expect(s.field(peerCursorsField)).toEqual([]);
  });

  it("draws a caret with a label, and a mark over a non-empty selection", () => {
    const decorations = peerDecorations([ada, { ...ada, clientId: "bob", anchor: 7, head: 7 }]);
    const found: [number, number][] = [];
    decorations.between(0, 11, (from, to) => {
      found.push([from, to]);
    });
    expect(found).toEqual([
      [2, 5],
      [5, 5],
      [7, 7],
    ]);
  });

  it("starts from hello's peers", () => {
    const s = state("abc");
    expect(
      initialPeerCursors(s, [
        { clientId: "a", name: "A", color: "#fff", selection: { anchor: 9, head: 1 } },
        { clientId: "b", name: "B", color: "#fff", selection: null },
      ]),
    ).toEqual([{ clientId: "a", name: "A", color: "#fff", anchor: 3, head: 1 }]);
  });

  it("only lets plain hex colours into style attributes", () => {
    expect(safeColor("#e5534b")).toBe("#e5534b");
    expect(safeColor("red; background: url(x)")).toBe("#8b949e");
    expect(translucent("#abc", 0.25)).toBe("#aabbcc40");
  });
});
