import { describe, expect, it } from "vitest";
import { clampConsoleHeight, consoleBounds, defaultConsoleHeight, keyedConsoleHeight } from "./consoleHeight";

describe("the run console's height", () => {
  it("is 220 px in a tall window and 35% of a short one", () => {
    expect(defaultConsoleHeight(900)).toBe(220);
    expect(defaultConsoleHeight(360)).toBe(126); // a phone held sideways
    expect(defaultConsoleHeight(100)).toBe(60); // never less than the bar and a line
  });

  it("stays between a line or two and what leaves the editor room", () => {
    expect(consoleBounds(720)).toEqual({ min: 60, max: 600 });
    expect(clampConsoleHeight(700, 720)).toBe(600);
    expect(clampConsoleHeight(10, 720)).toBe(60);
    // A window that shrank under a dragged height: the editor keeps its share.
    expect(clampConsoleHeight(500, 360)).toBe(240);
  });

  it("follows the arrow, page, Home and End keys, and ignores the rest", () => {
    expect(keyedConsoleHeight("ArrowUp", false, 200, 720)).toBe(210);
    expect(keyedConsoleHeight("ArrowDown", false, 200, 720)).toBe(190);
    expect(keyedConsoleHeight("ArrowUp", true, 200, 720)).toBe(250);
    expect(keyedConsoleHeight("PageDown", false, 200, 720)).toBe(150);
    expect(keyedConsoleHeight("Home", false, 200, 720)).toBe(60);
    expect(keyedConsoleHeight("End", false, 200, 720)).toBe(600);
    expect(keyedConsoleHeight("ArrowUp", false, 600, 720)).toBe(600);
    expect(keyedConsoleHeight("Enter", false, 200, 720)).toBeNull();
  });
});
