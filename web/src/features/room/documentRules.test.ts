import { EditorState, Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { documentRules, exceedsLimit, utf8Length } from "./documentRules";

describe("document rules", () => {
  it("counts UTF-8 bytes as the server does", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
    expect(utf8Length(Text.of(["a😀", "é"]))).toBe(1 + 4 + 1 + 2);
  });

  it("knows when a document passes the limit", () => {
    expect(exceedsLimit(Text.of(["€€"]), 6)).toBe(false);
    expect(exceedsLimit(Text.of(["€€a"]), 6)).toBe(true);
  });

  it("strips NUL and lone surrogates from local input", () => {
    const refused: string[] = [];
    const state = EditorState.create({ doc: "ab", extensions: documentRules((r) => refused.push(r)) });
    const tr = state.update({ changes: { from: 1, insert: "x\u0000y\uDC00z" }, userEvent: "input.paste" });
    expect(tr.newDoc.toString()).toBe("axyzb");
    expect(tr.isUserEvent("input.paste")).toBe(true);
    expect(refused).toEqual([]);
  });

  it("refuses a local edit that makes the document too large", async () => {
    const refused: string[] = [];
    const state = EditorState.create({ doc: "", extensions: documentRules((r) => refused.push(r)) });
    const tr = state.update({ changes: { from: 0, insert: "€".repeat(350_000) } });
    expect(tr.newDoc.length).toBe(0);
    await Promise.resolve();
    expect(refused).toHaveLength(1);
  });
});
