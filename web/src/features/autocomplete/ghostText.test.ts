import { collab, receiveUpdates } from "@codemirror/collab";
import { history, undo } from "@codemirror/commands";
import { ChangeSet, EditorState, type Transaction, type TransactionSpec } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { acceptGhost, cleanSuggestion, clearGhost, dismissGhost, ghostField, showGhost } from "./ghostText";

function editor(doc: string, cursor: number) {
  let state = EditorState.create({
    doc,
    selection: { anchor: cursor },
    extensions: [history(), collab({ clientID: "me" }), ghostField],
  });
  const dispatch = (tr: Transaction) => {
    state = tr.state;
  };
  return {
    get state() {
      return state;
    },
    apply(spec: TransactionSpec) {
      state = state.update(spec).state;
    },
    remote(changes: ChangeSet) {
      state = receiveUpdates(state, [{ changes, clientID: "other" }]).state;
    },
    run(command: typeof acceptGhost) {
      return command({ state, dispatch });
    },
  };
}

describe("ghost text", () => {
  it("shows a suggestion at the cursor", () => {
    const e = editor("def f(", 6);
    e.apply({ effects: showGhost.of({ pos: 6, text: "x):" }) });
    expect(e.state.field(ghostField)).toEqual({ pos: 6, text: "x):" });
  });

  it("stays in place through a remote edit elsewhere", () => {
    const e = editor("abc\ndef", 7);
    e.apply({ effects: showGhost.of({ pos: 7, text: "!" }) });
    e.remote(ChangeSet.of({ from: 0, insert: "12" }, 7));
    expect(e.state.field(ghostField)).toEqual({ pos: 9, text: "!" });
    expect(e.state.selection.main.head).toBe(9);
  });

  it("goes when a remote edit lands at the cursor", () => {
    const e = editor("abc", 3);
    e.apply({ effects: showGhost.of({ pos: 3, text: "!" }) });
    e.remote(ChangeSet.of({ from: 3, insert: "x" }, 3));
    expect(e.state.field(ghostField)).toBeNull();
  });

  it("goes on local typing, on moving the cursor, and on Escape", () => {
    const typing = editor("abc", 3);
    typing.apply({ effects: showGhost.of({ pos: 3, text: "!" }) });
    typing.apply({ changes: { from: 3, insert: "d" }, selection: { anchor: 4 }, userEvent: "input.type" });
    expect(typing.state.field(ghostField)).toBeNull();

    const moving = editor("abc", 3);
    moving.apply({ effects: showGhost.of({ pos: 3, text: "!" }) });
    moving.apply({ selection: { anchor: 1 } });
    expect(moving.state.field(ghostField)).toBeNull();

    const escape = editor("abc", 3);
    escape.apply({ effects: showGhost.of({ pos: 3, text: "!" }) });
    expect(escape.run(dismissGhost)).toBe(true);
    expect(escape.state.field(ghostField)).toBeNull();
    expect(escape.run(dismissGhost)).toBe(false);
  });

  it("inserts on accept as one edit that one undo removes, leaving remote edits alone", () => {
    const e = editor("x = ", 4);
    e.apply({ changes: { from: 4, insert: "fo" }, selection: { anchor: 6 }, userEvent: "input.type" });
    e.apply({ effects: showGhost.of({ pos: 6, text: "o(1, 2)" }) });
    expect(e.run(acceptGhost)).toBe(true);
    expect(e.state.doc.toString()).toBe("x = foo(1, 2)");
    expect(e.state.selection.main.head).toBe(13);
    expect(e.state.field(ghostField)).toBeNull();
    // Our edits are not confirmed yet: the remote update is on top of the synced "x = ".
    e.remote(ChangeSet.of({ from: 0, insert: "# remote\n" }, 4));
    e.run(undo);
    expect(e.state.doc.toString()).toBe("# remote\nx = fo");
    e.run(undo);
    expect(e.state.doc.toString()).toBe("# remote\nx = ");
    expect(e.run(acceptGhost)).toBe(false);
  });

  it("ignores a suggestion outside the document", () => {
    const e = editor("abc", 3);
    e.apply({ effects: showGhost.of({ pos: 9, text: "!" }) });
    expect(e.state.field(ghostField)).toBeNull();
    e.apply({ effects: [showGhost.of({ pos: 3, text: "!" })] });
    e.apply({ effects: clearGhost.of(null) });
    expect(e.state.field(ghostField)).toBeNull();
  });

  it("cleans suggestions to what a document may hold", () => {
    expect(cleanSuggestion("a\r\nb\rc\u0000d")).toBe("a\nb\ncd");
    expect(cleanSuggestion("ok😀\uD800!")).toBe("ok😀!");
  });
});
