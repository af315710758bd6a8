import { insertNewlineAndIndent } from "@codemirror/commands";
import { getIndentUnit, indentUnit } from "@codemirror/language";
import { EditorState, type Transaction } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { languageSupport } from "./languages";

function enterAtEnd(language: string, text: string): string {
  let state = EditorState.create({ doc: text, selection: { anchor: text.length }, extensions: languageSupport(language) });
  insertNewlineAndIndent({
    state,
    dispatch: (tr: Transaction) => {
      state = tr.state;
    },
  });
  return state.doc.toString();
}

describe("language support", () => {
  it("indents Python by four spaces, as PEP 8 asks", () => {
    expect(getIndentUnit(EditorState.create({ extensions: languageSupport("python") }))).toBe(4);
    expect(enterAtEnd("python", "def main():")).toBe("def main():\n    ");
  });

  it("indents JavaScript and TypeScript by two, and Go with a tab", () => {
    expect(enterAtEnd("typescript", "function f() {")).toBe("function f() {\n  ");
    expect(EditorState.create({ extensions: languageSupport("go") }).facet(indentUnit)).toBe("\t");
    expect(getIndentUnit(EditorState.create({ extensions: languageSupport("javascript") }))).toBe(2);
  });
});
