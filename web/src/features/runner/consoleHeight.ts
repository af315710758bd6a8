/**
 * How tall the run console is: a share of the window by default, so that a
 * short window (a phone held sideways) keeps room for the editor, and within
 * bounds however it is dragged or keyed.
 */

export const CONSOLE_MIN_HEIGHT = 60;
const DEFAULT_HEIGHT = 220;
const DEFAULT_SHARE = 0.35;
/** What the console leaves above it for the editor and the bars, at most. */
const EDITOR_KEEPS = 120;
const KEY_STEP = 10;
const KEY_BIG_STEP = 50;

export interface HeightBounds {
  min: number;
  max: number;
}

export function consoleBounds(viewportHeight: number): HeightBounds {
  return { min: CONSOLE_MIN_HEIGHT, max: Math.max(CONSOLE_MIN_HEIGHT, viewportHeight - EDITOR_KEEPS) };
}

export function clampConsoleHeight(height: number, viewportHeight: number): number {
  const { min, max } = consoleBounds(viewportHeight);
  return Math.round(Math.min(max, Math.max(min, height)));
}

/** 220 px, or 35% of a short window. */
export function defaultConsoleHeight(viewportHeight: number): number {
  return clampConsoleHeight(Math.min(DEFAULT_HEIGHT, viewportHeight * DEFAULT_SHARE), viewportHeight);
}

/**
 * The height after a key pressed on the console's top edge (a horizontal
 * separator: up makes the console taller), or null for a key that does not resize.
 */
export function keyedConsoleHeight(key: string, shift: boolean, height: number, viewportHeight: number): number | null {
  const { min, max } = consoleBounds(viewportHeight);
  const step = shift ? KEY_BIG_STEP : KEY_STEP;
  const target: Record<string, number> = {
    ArrowUp: height + step,
    ArrowDown: height - step,
    PageUp: height + KEY_BIG_STEP,
    PageDown: height - KEY_BIG_STEP,
    Home: min,
    End: max,
  };
  return key in target ? clampConsoleHeight(target[key]!, viewportHeight) : null;
}
