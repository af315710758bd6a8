import { describe, expect, it } from "vitest";
import { utf8Length as utf8Bytes } from "../room/documentRules";
import { OutputCoalescer, splitUnits, wellFormed } from "./outputChunks";

describe("splitUnits", () => {
  it("keeps short text whole", () => expect(splitUnits("abc", 4)).toEqual(["abc"]));
  it("cuts at the limit", () => expect(splitUnits("abcdefg", 3)).toEqual(["abc", "def", "g"]));
  it("never splits a surrogate pair", () => {
    const pieces = splitUnits("ab😀cd", 3);
    expect(pieces).toEqual(["ab", "😀c", "d"]);
    for (const p of pieces) expect(wellFormed(p)).toBe(p);
  });
  it("cuts 1,024-unit messages from emoji", () => {
    const pieces = splitUnits("x" + "😀".repeat(600));
    expect(pieces.map((p) => p.length)).toEqual([1023, 178]);
    expect(pieces.join("")).toBe("x" + "😀".repeat(600));
  });
});

describe("OutputCoalescer", () => {
  it("merges writes of one stream until taken", () => {
    const c = new OutputCoalescer(50);
    c.push("stdout", "a");
    c.push("stdout", "b");
    c.push("stderr", "E");
    c.push("stdout", "c");
    expect(c.take(0)).toEqual([
      { stream: "stdout", text: "ab" },
      { stream: "stderr", text: "E" },
      { stream: "stdout", text: "c" },
    ]);
    expect(c.empty).toBe(true);
    expect(c.take(0)).toEqual([]);
  });
  it("hands out pieces of at most 1,024 units", () => {
    const c = new OutputCoalescer(50);
    c.push("stdout", "y".repeat(2500));
    expect(c.take(0).map((p) => p.text.length)).toEqual([1024, 1024, 452]);
  });
  it("replaces lone surrogates, which the wire refuses", () => {
    const c = new OutputCoalescer(50);
    c.push("stdout", "a\uD800b\uDC00");
    expect(c.take(0)).toEqual([{ stream: "stdout", text: "a\uFFFDb\uFFFD" }]);
  });
});

describe("utf8Bytes", () => {
  it("counts as the server does", () => {
    for (const text of ["abc", "é", "€", "😀", "a😀é"]) {
      expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe("OutputCoalescer pacing", () => {
  it("lets output after a quiet spell go at once and holds a burst for the next flush", () => {
    const c = new OutputCoalescer(50);
    c.push("stdout", "first\n");
    expect(c.due(1000)).toBe(true);
    expect(c.take(1000)).toHaveLength(1);
    c.push("stdout", "soon after\n");
    expect(c.due(1010)).toBe(false);
    expect(c.due(1050)).toBe(true);
  });

  it("does not start an interval on a flush that sent nothing", () => {
    const c = new OutputCoalescer(50);
    c.push("stdout", "a\n");
    c.take(1000);
    // The periodic flush at 1040 finds nothing: the next line, at 1060, is 60 ms
    // after the last one sent and goes at once.
    expect(c.take(1040)).toEqual([]);
    c.push("stdout", "b\n");
    expect(c.due(1060)).toBe(true);
  });
});
