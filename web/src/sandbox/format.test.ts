import { describe, expect, it } from "vitest";
import { formatArgs } from "./format";

describe("formatArgs", () => {
  it("prints a string as it is and anything else inspected, side by side", () => {
    expect(formatArgs(["n =", 1, "s", [undefined, NaN, -0], { a: "x" }, 1n])).toBe(
      "n = 1 s [ undefined, NaN, -0 ] { a: 'x' } 1n",
    );
    expect(formatArgs([])).toBe("");
  });

  it("fills in %s, %d, %i and %f", () => {
    expect(formatArgs(["%s is %d", "x", 42])).toBe("x is 42");
    expect(formatArgs(["%s %s %s %s", -0, 2n, Symbol("t"), null])).toBe("-0 2n Symbol(t) null");
    expect(formatArgs(["%d %d %d %d", "42", 2n, Symbol("t"), {}])).toBe("42 2n NaN NaN");
    expect(formatArgs(["%i %i %f", 4.7, "12px", "3.5x"])).toBe("4 12 3.5");
  });

  it("shows an object for %s shallowly, unless its class says how to", () => {
    class Money {
      toString() {
        return "€5";
      }
    }
    expect(formatArgs(["%s", { a: { b: 1 } }])).toBe("{ a: [Object] }");
    expect(formatArgs(["%s", new Money()])).toBe("€5");
  });

  it("fills in %o, %O and %j, and drops %c's CSS", () => {
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    expect(formatArgs(["%o", deep])).toBe("{ a: { b: { c: { d: { e: 1 } } } } }");
    expect(formatArgs(["%O", deep])).toBe("{ a: { b: { c: [Object] } } }");
    expect(formatArgs(["%j", { a: [1] }])).toBe('{"a":[1]}');
    const cycle: Record<string, unknown> = {};
    cycle.me = cycle;
    expect(formatArgs(["%j", cycle])).toBe("[Circular]");
    expect(formatArgs(["%cred", "color: red"])).toBe("red");
  });

  it("turns %% into %, leaves what it cannot fill, and appends the arguments left over", () => {
    expect(formatArgs(["%s %s %%", "a"])).toBe("a %s %");
    expect(formatArgs(["100%% %s", "sure", "extra", { a: 1 }])).toBe("100% sure extra { a: 1 }");
    expect(formatArgs(["%x %s", "y"])).toBe("%x y");
    // As in Node: a lone format string is printed as written.
    expect(formatArgs(["%% %s"])).toBe("%% %s");
  });

  it("prints an error by its stack, mapped as asked", () => {
    const error = new Error("boom");
    expect(formatArgs([error])).toBe(error.stack);
    expect(formatArgs(["failed:", error], { formatError: (e) => `<${e.message}>` })).toBe("failed: <boom>");
  });
});
