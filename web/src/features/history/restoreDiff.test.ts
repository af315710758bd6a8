import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/random";
import { applyChanges, restoreChanges } from "./restoreDiff";

describe("restoreChanges", () => {
  it("changes nothing when the texts are equal", () => {
    expect(restoreChanges("a\nb\n", "a\nb\n")).toEqual([]);
  });

  it("touches only the lines that differ, and within them only the characters", () => {
    const current = "def f():\n    return 1\n\nprint(f())\n";
    const target = "def f():\n    return 2\n\nprint(f())\n";
    expect(restoreChanges(current, target)).toEqual([{ from: 20, to: 21, insert: "2" }]);
  });

  it("keeps unchanged lines between two edits where they are", () => {
    const current = "one\ntwo\nthree\nfour\nfive\n";
    const target = "ONE\ntwo\nthree\nfour\nfive!\n";
    const changes = restoreChanges(current, target);
    expect(changes).toEqual([
      { from: 0, to: 3, insert: "ONE" },
      { from: 23, to: 23, insert: "!" },
    ]);
    expect(applyChanges(current, changes)).toBe(target);
  });

  it("keeps a cursor on a neighbouring edited line where it is", () => {
    const current = "one A2\ntwo bob\nthree B2\n";
    const target = "one\ntwo\nthree\n";
    expect(restoreChanges(current, target)).toEqual([
      { from: 3, to: 6, insert: "" },
      { from: 10, to: 14, insert: "" },
      { from: 20, to: 23, insert: "" },
    ]);
  });

  it("restores deleted and inserted lines", () => {
    expect(applyChanges("a\nb\nc", restoreChanges("a\nb\nc", "a\nc"))).toBe("a\nc");
    expect(applyChanges("", restoreChanges("", "x\ny\n"))).toBe("x\ny\n");
    expect(applyChanges("x\ny\n", restoreChanges("x\ny\n", ""))).toBe("");
  });

  it("never cuts a surrogate pair in two", () => {
    const changes = restoreChanges("a😀b", "a😁b");
    expect(changes).toEqual([{ from: 1, to: 3, insert: "😁" }]);
    const tail = restoreChanges("x😀", "y😀");
    expect(tail).toEqual([{ from: 0, to: 1, insert: "y" }]);
    const low = restoreChanges("😀x", "😁x");
    expect(low).toEqual([{ from: 0, to: 2, insert: "😁" }]);
  });

  it("turns any text into any other (random texts with emoji and line breaks)", () => {
    const rand = seededRandom(9);
    const alphabet = ["a", "b", "\n", "😀", "é", " ", "ab\n"];
    const make = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    for (let i = 0; i < 300; i++) {
      const base = make(Math.floor(rand() * 60));
      // A target that shares most of its lines with the base, as an old version does.
      const lines = base.split("\n");
      const target = lines.map((line) => (rand() < 0.3 ? make(3) : line)).join("\n") + (rand() < 0.5 ? make(2) : "");
      const changes = restoreChanges(base, target);
      expect(applyChanges(base, changes)).toBe(target);
      let last = -1;
      for (const change of changes) {
        expect(change.from).toBeGreaterThan(last);
        expect(change.to).toBeGreaterThanOrEqual(change.from);
        last = change.to;
        for (const at of [change.from, change.to]) {
          const before = base.charCodeAt(at - 1);
          expect(before >= 0xd800 && before <= 0xdbff).toBe(false);
        }
      }
    }
  });

  it("falls back to one replacement when the texts share almost nothing", () => {
    const current = Array.from({ length: 1500 }, (_, i) => `line ${i}\n`).join("");
    const target = Array.from({ length: 1500 }, (_, i) => `other ${i}\n`).join("");
    const changes = restoreChanges(current, target);
    expect(changes).toHaveLength(1);
    expect(applyChanges(current, changes)).toBe(target);
  });
});
