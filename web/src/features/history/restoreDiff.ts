/**
 * The change that turns the live text into an old version, as small as a line
 * diff can make it: unchanged lines are kept, so the cursors and selections of
 * people working elsewhere in the file stay where they are, and the restore is
 * one ordinary, undoable edit.
 */

export interface TextChange {
  from: number;
  to: number;
  insert: string;
}

/** Beyond this many differing lines the diff is one replacement of the middle. */
const MAX_EDIT_DISTANCE = 1000;

type Op = 0 | 1 | 2; // keep, delete (from `a`), insert (from `b`)
const KEEP: Op = 0;
const DELETE: Op = 1;
const INSERT: Op = 2;

function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    if (end < 0) {
      lines.push(text.slice(start));
      return lines;
    }
    lines.push(text.slice(start, end + 1));
    start = end + 1;
  }
}

/** Myers' O(ND) diff of two line lists; null when they differ in more than `maxD` lines. */
function diffLines(a: readonly string[], b: readonly string[], maxD: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, maxD);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, n, m, d);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], offset: number, n: number, m: number, depth: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = depth; d > 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(KEEP);
      x--;
      y--;
    }
    ops.push(x === prevX ? INSERT : DELETE);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push(KEEP);
    x--;
    y--;
  }
  return ops.reverse();
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Replace `removed` at `from` by `added`, trimmed to the characters that differ
 *  (never between the halves of a surrogate pair, which the server refuses). */
function trimmed(from: number, removed: string, added: string): TextChange | null {
  if (removed === added) return null;
  const most = Math.min(removed.length, added.length);
  let head = 0;
  while (head < most && removed.charCodeAt(head) === added.charCodeAt(head)) head++;
  if (head > 0 && isHigh(removed.charCodeAt(head - 1))) head--;
  let tail = 0;
  while (
    tail < most - head &&
    removed.charCodeAt(removed.length - 1 - tail) === added.charCodeAt(added.length - 1 - tail)
  )
    tail++;
  if (tail > 0 && isLow(removed.charCodeAt(removed.length - tail))) tail--;
  return { from: from + head, to: from + removed.length - tail, insert: added.slice(head, added.length - tail) };
}

/** Changes (left to right, in `current`'s positions) that turn `current` into `target`. */
export function restoreChanges(current: string, target: string): TextChange[] {
  if (current === target) return [];
  const changes: TextChange[] = [];
  diffInto(changes, 0, splitLines(current), splitLines(target), true);
  return changes;
}

/**
 * Diff `a` against `b` (lines, or characters when `refine` is false) and push the
 * changes, from position `base`. Each run of changed lines is diffed again by
 * character, so that two neighbouring edited lines do not become one replacement
 * that would sweep a peer's cursor along with it.
 */
function diffInto(changes: TextChange[], base: number, a: string[], b: string[], refine: boolean): void {
  const ops = diffLines(a, b, MAX_EDIT_DISTANCE);
  if (ops === null) {
    const change = trimmed(base, a.join(""), b.join(""));
    if (change) changes.push(change);
    return;
  }
  let pos = base;
  let ia = 0;
  let ib = 0;
  let hunkFrom = -1;
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    if (hunkFrom < 0) return;
    if (refine && removed.length && added.length) {
      // Code points, so that no change falls inside a surrogate pair.
      diffInto(changes, hunkFrom, Array.from(removed.join("")), Array.from(added.join("")), false);
    } else {
      const change = trimmed(hunkFrom, removed.join(""), added.join(""));
      if (change) changes.push(change);
    }
    hunkFrom = -1;
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op === KEEP) {
      flush();
      pos += a[ia++].length;
      ib++;
      continue;
    }
    if (hunkFrom < 0) hunkFrom = pos;
    if (op === DELETE) {
      removed.push(a[ia]);
      pos += a[ia++].length;
    } else {
      added.push(b[ib++]);
    }
  }
  flush();
}

/** `text` with `changes` applied (they are sorted and do not overlap). */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = "";
  let pos = 0;
  for (const change of changes) {
    out += text.slice(pos, change.from) + change.insert;
    pos = change.to;
  }
  return out + text.slice(pos);
}
