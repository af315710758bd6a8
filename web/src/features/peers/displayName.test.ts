import { describe, expect, it } from "vitest";
import { MAX_NAME_LENGTH } from "../../protocol/messages";
import { cleanName, fitName } from "./displayName";

const codePoints = (s: string) => Array.from(s).length;
const emoji = "😀";

// Expected values are what service.presence.clean_name returns for the same input.
describe("cleanName, as the server cleans", () => {
  it("keeps 40 code points, not 40 UTF-16 units", () => {
    expect(cleanName(emoji.repeat(50))).toBe(emoji.repeat(40));
    expect(cleanName("e\u0301".repeat(30))).toBe("e\u0301".repeat(20));
  });

  it("drops control and format characters, then trims", () => {
    expect(cleanName("  Ada\u200b  ")).toBe("Ada");
    expect(cleanName("\u0007Bob\tX")).toBe("BobX");
    expect(cleanName(" \u200b a")).toBe("a");
    expect(cleanName("\u3000名前\u3000")).toBe("名前");
  });

  it("trims before cutting, as the server does", () => {
    expect(cleanName(`${"x".repeat(39)} y`)).toBe(`${"x".repeat(39)} `);
    expect(cleanName(`   ${"x".repeat(45)}`)).toBe("x".repeat(40));
  });
});

describe("fitName, what the name field takes", () => {
  it("takes 40 emoji, not 20", () => {
    expect(fitName(emoji.repeat(40))).toBe(emoji.repeat(40));
    expect(fitName(emoji.repeat(41))).toBe(emoji.repeat(40));
  });

  it("counts as the server counts: leading spaces and dropped characters are free", () => {
    const name = `  \u200b${"a".repeat(MAX_NAME_LENGTH)}`;
    expect(fitName(`${name}b`)).toBe(name);
    expect(fitName(`${"a".repeat(20)}\u0007${"b".repeat(30)}`)).toBe(`${"a".repeat(20)}\u0007${"b".repeat(20)}`);
  });

  it("stops exactly where the server's name stops", () => {
    for (const typed of [emoji.repeat(45), `  ${"Ada ".repeat(15)}`, `\t${"名".repeat(50)}`, "Ada"]) {
      const fitted = fitName(typed);
      expect(cleanName(fitted)).toBe(cleanName(typed).trimEnd());
      expect(codePoints(cleanName(fitted))).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    }
  });
});
