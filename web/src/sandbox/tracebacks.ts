/**
 * What a failed run shows: where the room's code failed, not the runtime's
 * own machinery around it.
 */

/** The file name that a run's code goes by in tracebacks and stacks. */
export const ROOM_FILE = "<room>";

const PYTHON_HEADER = "Traceback (most recent call last):";

/**
 * A Python traceback without the frames above the room's code. Pyodide's
 * tracebacks start in its own evaluation code (`_pyodide/_base.py`), which says
 * nothing to the person who pressed Run; the frames from the room's file on are
 * kept whole, library frames that the code called included. A syntax error is
 * shown as CPython shows one in a script: its location, without the header.
 */
export function roomPythonTraceback(message: string): string {
  const lines = message.split("\n");
  const first = lines.findIndex((line) => line.startsWith(`  File "${ROOM_FILE}"`));
  if (lines[0] !== PYTHON_HEADER || first < 1) return message;
  const syntaxError = !lines[first].includes(", in ");
  return (syntaxError ? lines.slice(first) : [PYTHON_HEADER, ...lines.slice(first)]).join("\n");
}

/** A JavaScript stack naming the room's file instead of the blob: URL it ran from. */
export function roomJavaScriptStack(stack: string, scriptUrl: string | null): string {
  return scriptUrl ? stack.replaceAll(scriptUrl, ROOM_FILE) : stack;
}
