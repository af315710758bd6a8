import { describe, expect, it } from "vitest";
import { createConsole } from "./sandboxConsole";

function recorded(stack = "Error\n    at f (<room>:2:3)\n    at <room>:4:1") {
  const out: [string, string][] = [];
  let clock = 0;
  const console = createConsole({
    write: (stream, text) => out.push([stream, text]),
    now: () => clock,
    stack: () => stack,
  });
  const text = () => out.map(([, t]) => t).join("");
  return { console, out, text, tick: (ms: number) => (clock += ms) };
}

describe("the run's console", () => {
  it("writes log, info and debug to stdout, warn, error and trace to stderr", () => {
    const { console, out } = recorded();
    console.log("%s is %d", "x", 1);
    console.info({ a: 1 });
    console.debug();
    console.warn("w");
    console.error(new Map([[1, 2]]));
    expect(out).toEqual([
      ["stdout", "x is 1\n"],
      ["stdout", "{ a: 1 }\n"],
      ["stdout", "\n"],
      ["stderr", "w\n"],
      ["stderr", "Map(1) { 1 => 2 }\n"],
    ]);
  });

  it("traces with the room's frames", () => {
    const { console, out } = recorded();
    console.trace("here", 1);
    expect(out).toEqual([["stderr", "Trace: here 1\n    at f (<room>:2:3)\n    at <room>:4:1\n"]]);
  });

  it("dirs a value inspected, a string quoted", () => {
    const { console, text } = recorded();
    console.dir("s");
    console.dir({ a: [1] });
    expect(text()).toBe("'s'\n{ a: [ 1 ] }\n");
  });

  it("asserts only when the condition is falsy", () => {
    const { console, out } = recorded();
    console.assert(true, "never");
    console.assert(0, "x is %d", 3);
    console.assert(false);
    expect(out).toEqual([
      ["stderr", "Assertion failed: x is 3\n"],
      ["stderr", "Assertion failed\n"],
    ]);
  });

  it("counts per label and resets", () => {
    const { console, text } = recorded();
    console.count();
    console.count();
    console.count("a");
    console.countReset();
    console.count();
    console.countReset("nope");
    expect(text()).toBe("default: 1\ndefault: 2\na: 1\ndefault: 1\nCount for 'nope' does not exist\n");
  });

  it("indents what is written inside groups, every line of it", () => {
    const { console, text } = recorded();
    console.group("outer");
    console.log("a\nb");
    console.groupCollapsed();
    console.error("deep");
    console.groupEnd();
    console.groupEnd();
    console.groupEnd(); // one too many: nothing to undo
    console.log("back");
    expect(text()).toBe("outer\n  a\n  b\n    deep\nback\n");
  });

  it("times labels", () => {
    const { console, text, tick } = recorded();
    console.time();
    tick(1.5);
    console.timeLog(undefined, "so far");
    tick(1);
    console.timeEnd();
    console.timeEnd();
    expect(text()).toBe("default: 1.500ms so far\ndefault: 2.500ms\nTimer 'default' does not exist\n");
  });

  it("draws a table of objects, one column per property", () => {
    const { console, text } = recorded();
    console.table([{ a: 1, b: "Y" }, { a: "Z", b: 2 }]);
    expect(text()).toBe(
      [
        "┌─────────┬─────┬─────┐",
        "│ (index) │ a   │ b   │",
        "├─────────┼─────┼─────┤",
        "│ 0       │ 1   │ 'Y' │",
        "│ 1       │ 'Z' │ 2   │",
        "└─────────┴─────┴─────┘",
        "",
      ].join("\n"),
    );
  });

  it("draws tables of values, of Maps, and of chosen columns, and logs what is no table", () => {
    const { console, text } = recorded();
    console.table([1, { x: 2 }]);
    console.table(new Map([["k", 1]]));
    console.table({ r: { a: 1, b: 2 } }, ["b"]);
    console.table("plain");
    expect(text()).toBe(
      [
        "┌─────────┬───┬────────┐",
        "│ (index) │ x │ Values │",
        "├─────────┼───┼────────┤",
        "│ 0       │   │ 1      │",
        "│ 1       │ 2 │        │",
        "└─────────┴───┴────────┘",
        "┌───────────────────┬─────┬────────┐",
        "│ (iteration index) │ Key │ Values │",
        "├───────────────────┼─────┼────────┤",
        "│ 0                 │ 'k' │ 1      │",
        "└───────────────────┴─────┴────────┘",
        "┌─────────┬───┐",
        "│ (index) │ b │",
        "├─────────┼───┤",
        "│ r       │ 2 │",
        "└─────────┴───┘",
        "plain",
        "",
      ].join("\n"),
    );
  });
});
