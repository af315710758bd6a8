import { describe, expect, it } from "vitest";
import { inspect } from "./inspect";

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

describe("inspect", () => {
  it.each([
    [undefined, "undefined"],
    [null, "null"],
    [true, "true"],
    [NaN, "NaN"],
    [-0, "-0"],
    [Infinity, "Infinity"],
    [1n, "1n"],
    [Symbol("s"), "Symbol(s)"],
    ["it", "'it'"],
    ["it's", `"it's"`],
    [`it's "x"`, `'it\\'s "x"'`],
    ["a\nb\\", "'a\\nb\\\\'"],
  ])("shows the primitive %s as %s", (value, shown) => {
    expect(inspect(value)).toBe(shown);
  });

  it("shows arrays and objects as Node does, strings quoted inside them", () => {
    expect(inspect([undefined, NaN, -0])).toBe("[ undefined, NaN, -0 ]");
    expect(inspect({ a: 1, b: "x", "a-b": [], [Symbol("k")]: {} })).toBe("{ a: 1, b: 'x', 'a-b': [], [Symbol(k)]: {} }");
    expect(inspect([, 1, , , 2])).toBe("[ <1 empty item>, 1, <2 empty items>, 2 ]");
  });

  it("names an object's class, or says it has none", () => {
    expect(inspect(new Point(1, 2))).toBe("Point { x: 1, y: 2 }");
    expect(inspect(Object.create(null))).toBe("[Object: null prototype] {}");
    expect(inspect(new Uint8Array([1, 2]))).toBe("Uint8Array(2) [ 1, 2 ]");
    expect(inspect(new Number(3))).toBe("[Number: 3]");
    expect(inspect(new WeakSet())).toBe("WeakSet { <items unknown> }");
  });

  it("shows Maps and Sets with their size and entries", () => {
    expect(inspect(new Map<unknown, unknown>([["a", 1], [{ b: 1 }, [2]]]))).toBe("Map(2) { 'a' => 1, { b: 1 } => [ 2 ] }");
    expect(inspect(new Set([1, "2"]))).toBe("Set(2) { 1, '2' }");
    expect(inspect(new Map())).toBe("Map(0) {}");
  });

  it("shows functions, classes, dates and regular expressions by what they are", () => {
    expect(inspect(function greet() {})).toBe("[Function: greet]");
    expect(inspect(() => 1)).toBe("[Function (anonymous)]");
    expect(inspect(async function load() {})).toBe("[AsyncFunction: load]");
    expect(inspect(function* walk() {})).toBe("[GeneratorFunction: walk]");
    expect(inspect(Point)).toBe("[class Point]");
    expect(inspect(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(inspect(new Date(NaN))).toBe("Invalid Date");
    expect(inspect(/a+/gi)).toBe("/a+/gi");
  });

  it("shows an error by its stack on its own, by its name and message inside a value", () => {
    const error = new TypeError("bad");
    expect(inspect(error)).toBe(error.stack);
    expect(inspect(error, { formatError: (e) => `mapped ${e.message}` })).toBe("mapped bad");
    expect(inspect({ error })).toBe("{ error: [TypeError: bad] }");
  });

  it("marks a cycle instead of following it, but not an object seen twice", () => {
    const node: Record<string, unknown> = { name: "a" };
    node.self = node;
    expect(inspect(node)).toBe("{ name: 'a', self: [Circular] }");
    const shared = { x: 1 };
    expect(inspect([shared, shared])).toBe("[ { x: 1 }, { x: 1 } ]");
  });

  it("stops at the depth limit", () => {
    expect(inspect({ a: { b: { c: { d: 1 } } } })).toBe("{ a: { b: { c: [Object] } } }");
    expect(inspect([[[[1]]]])).toBe("[ [ [ [Array] ] ] ]");
    expect(inspect({ p: { q: new Point(1, 2) } }, { depth: 0 })).toBe("{ p: [Object] }");
    expect(inspect({ a: { b: { p: new Point(1, 2) } } })).toBe("{ a: { b: { p: [Point] } } }");
  });

  it("shows accessors without calling them", () => {
    let called = false;
    const value = {
      get secret() {
        called = true;
        return 1;
      },
    };
    expect(inspect(value)).toBe("{ secret: [Getter] }");
    expect(called).toBe(false);
  });

  it("cuts long strings and long collections, saying how much is left", () => {
    expect(inspect(["x".repeat(12)], { maxStringLength: 10 })).toBe("[ 'xxxxxxxxxx'... 2 more characters ]");
    expect(inspect(new Set([1, 2, 3]), { maxEntries: 2 })).toBe("Set(3) { 1, 2, ... 1 more item }");
    const many = inspect(Array.from({ length: 150 }, () => 0));
    expect(many).toContain("... 50 more items");
    expect(many.split("\n").length).toBeLessThan(20);
    expect(inspect({ a: 1, b: 2, c: 3 }, { maxEntries: 1 })).toBe("{ a: 1, ... 2 more properties }");
  });

  it("lays a value that does not fit one line out one entry a line, indented", () => {
    expect(inspect({ a: "x".repeat(70), b: { c: 2 } })).toBe(`{\n  a: '${"x".repeat(70)}',\n  b: { c: 2 }\n}`);
    expect(inspect({ outer: { a: "y".repeat(40), b: "z".repeat(40) } })).toBe(
      `{\n  outer: {\n    a: '${"y".repeat(40)}',\n    b: '${"z".repeat(40)}'\n  }\n}`,
    );
  });

  it("packs many short array items into aligned columns, as Node does", () => {
    expect(inspect(Array.from({ length: 30 }, (_, i) => i))).toBe(
      [
        "[",
        "   0,  1,  2,  3,  4,  5,  6,  7,  8,",
        "   9, 10, 11, 12, 13, 14, 15, 16, 17,",
        "  18, 19, 20, 21, 22, 23, 24, 25, 26,",
        "  27, 28, 29",
        "]",
      ].join("\n"),
    );
  });

  it("survives a value whose inspection throws", () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no");
        },
      },
    );
    expect(inspect(hostile)).toBe("[value that could not be inspected]");
  });
});
