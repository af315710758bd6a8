/**
 * What a failed run shows: where the room's code failed, not the runtime's
 * own machinery around it.
 */

/** The file name that a run's code goes by in tracebacks and stacks. */
export const ROOM_FILE = "<room>";

const PYTHON_HEADER = "Traceback (most recent call last):";

/** Pyodide's own files (its event loop, its evaluation code) and the
 * JavaScript that it calls through, named by its blob: URL. */
const PYODIDE_FILE = /^ {2}File "(?:\/lib\/python[\d.]+\.zip\/_?pyodide\/|blob:)/;
const FRAME_START = /^ {2}File "/;
const FRAME_DETAIL = /^ {4}/;

/**
 * A Python traceback without Pyodide's machinery. Its tracebacks start in its
 * own evaluation code (`_pyodide/_base.py`), which says nothing to the person
 * who pressed Run: the frames above the room's file go. Below it, Pyodide's
 * frames go too (`asyncio.run` passes through `pyodide/webloop.py` and its
 * JavaScript); the room's frames and library frames that the code called stay,
 * as does the exception itself. A syntax error is shown as CPython shows one in
 * a script: its location, without the header.
 */
export function roomPythonTraceback(message: string): string {
  const lines = message.split("\n");
  const first = lines.findIndex((line) => line.startsWith(`  File "${ROOM_FILE}"`));
  if (lines[0] !== PYTHON_HEADER || first < 1) return message;
  const syntaxError = !lines[first].includes(", in ");
  const fromRoom = withoutPyodideFrames(lines.slice(first));
  return (syntaxError ? fromRoom : [PYTHON_HEADER, ...fromRoom]).join("\n");
}

/** The lines of a traceback without Pyodide's frames, each with the source
 * line and markers indented under it. */
function withoutPyodideFrames(lines: string[]): string[] {
  let dropping = false;
  return lines.filter((line) => {
    if (FRAME_START.test(line)) dropping = PYODIDE_FILE.test(line);
    else if (!FRAME_DETAIL.test(line)) dropping = false;
    return !dropping;
  });
}

/** Where a run's JavaScript came from, for naming it in stacks. */
export interface RunScript {
  /** The blob: URL that the code was loaded from. */
  url: string;
  /** The wrapper's characters before the code on its first line. */
  firstLineOffset: number;
  /** The code's last line; the wrapper's own call of it comes after. */
  lastLine: number;
}

const FRAME = /^\s+at /;
const ROOM_POSITION = new RegExp(`${ROOM_FILE}:(\\d+):(\\d+)`, "g");

/**
 * A JavaScript stack as the room's code sees it: the script's blob: URL named
 * `<room>`, columns on the first line counted from the code rather than the
 * wrapper it runs in, and without the frames of the wrapper's call and of the
 * runner around it (every other blob: URL is the runner's).
 */
export function roomJavaScriptStack(stack: string, script: RunScript | null): string {
  if (!script) return stack;
  const kept: string[] = [];
  for (const line of stack.split("\n")) {
    const named = line.split(script.url).join(ROOM_FILE);
    if (FRAME.test(named)) {
      if (named.includes("blob:")) continue;
      const lines = [...named.matchAll(ROOM_POSITION)].map((m) => Number(m[1]));
      if (lines.some((n) => n > script.lastLine)) continue;
    }
    kept.push(
      named.replace(ROOM_POSITION, (position: string, line: string, column: string) =>
        line === "1" ? `${ROOM_FILE}:1:${Math.max(1, Number(column) - script.firstLineOffset)}` : position,
      ),
    );
  }
  return kept.join("\n");
}
