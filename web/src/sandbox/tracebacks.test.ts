import { describe, expect, it } from "vitest";
import { roomJavaScriptStack, roomPythonTraceback } from "./tracebacks";

// As Pyodide 0.28 words a run that fails in the room's code.
const NAME_ERROR = `Traceback (most recent call last):
  File "/lib/python314.zip/_pyodide/_base.py", line 619, in eval_code_async
    await CodeRunner(
    ...<10 lines>...
    .run_async(globals, locals)
  File "/lib/python314.zip/_pyodide/_base.py", line 420, in run_async
    coroutine = eval(self.code, globals, locals)
  File "<room>", line 6, in <module>
    greet()
  File "<room>", line 2, in greet
    return json.loads("{")
  File "/lib/python314.zip/json/__init__.py", line 352, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)`;

const SYNTAX_ERROR = `Traceback (most recent call last):
  File "/lib/python314.zip/_pyodide/_base.py", line 597, in eval_code_async
    return await CodeRunner(
  File "/lib/python314.zip/_pyodide/_base.py", line 285, in __init__
    self.ast = next(self._gen)
  File "<room>", line 1
    def (
        ^
SyntaxError: invalid syntax`;

// An error inside `asyncio.run(...)`: the event loop is Pyodide's (webloop.py),
// which waits on the coroutine through JavaScript (the worker's blob: URL).
const ASYNCIO_ERROR = `Traceback (most recent call last):
  File "/lib/python314.zip/_pyodide/_base.py", line 619, in eval_code_async
    await CodeRunner(
    ...<10 lines>...
    .run_async(globals, locals)
  File "/lib/python314.zip/_pyodide/_base.py", line 420, in run_async
    coroutine = eval(self.code, globals, locals)
  File "<room>", line 7, in <module>
    asyncio.run(main())
  File "/lib/python314.zip/pyodide/webloop.py", line 1133, in _run
    return loop.run_until_complete(main)
           ~~~~~~~~~~~~~~~~~~~~~~~^^^^^^
  File "/lib/python314.zip/pyodide/webloop.py", line 404, in run_until_complete
    return run_sync(future)
  File "blob:null/0d4f3a52-7be8-4c1e-a6c4-1b2e0f9e3c77", line 9, in callPyObjectKwargsPromising
  File "<room>", line 5, in main
    raise ValueError("boom")
  File "/lib/python314.zip/json/__init__.py", line 352, in loads
    return _default_decoder.decode(s)
ValueError: boom`;

describe("roomPythonTraceback", () => {
  it("drops Pyodide's event loop and JavaScript frames below the room's code", () => {
    expect(roomPythonTraceback(ASYNCIO_ERROR)).toBe(`Traceback (most recent call last):
  File "<room>", line 7, in <module>
    asyncio.run(main())
  File "<room>", line 5, in main
    raise ValueError("boom")
  File "/lib/python314.zip/json/__init__.py", line 352, in loads
    return _default_decoder.decode(s)
ValueError: boom`);
  });

  it("keeps every section of a chained exception, each without Pyodide's frames", () => {
    const chained = [
      "Traceback (most recent call last):",
      '  File "/lib/python314.zip/_pyodide/_base.py", line 420, in run_async',
      "    coroutine = eval(self.code, globals, locals)",
      '  File "<room>", line 2, in <module>',
      "    1 / 0",
      "ZeroDivisionError: division by zero",
      "",
      "During handling of the above exception, another exception occurred:",
      "",
      "Traceback (most recent call last):",
      '  File "/lib/python314.zip/pyodide/webloop.py", line 404, in run_until_complete',
      "    return run_sync(future)",
      '  File "<room>", line 4, in <module>',
      "    raise KeyError(1)",
      "KeyError: 1",
    ].join("\n");
    expect(roomPythonTraceback(chained)).toBe(
      [
        "Traceback (most recent call last):",
        '  File "<room>", line 2, in <module>',
        "    1 / 0",
        "ZeroDivisionError: division by zero",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "<room>", line 4, in <module>',
        "    raise KeyError(1)",
        "KeyError: 1",
      ].join("\n"),
    );
  });

  it("drops Pyodide's frames above the room's code and keeps the rest whole", () => {
    expect(roomPythonTraceback(NAME_ERROR)).toBe(`Traceback (most recent call last):
  File "<room>", line 6, in <module>
    greet()
  File "<room>", line 2, in greet
    return json.loads("{")
  File "/lib/python314.zip/json/__init__.py", line 352, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)`);
  });

  it("shows a syntax error by its location, as CPython does for a script", () => {
    expect(roomPythonTraceback(SYNTAX_ERROR)).toBe(`  File "<room>", line 1
    def (
        ^
SyntaxError: invalid syntax`);
  });

  it("leaves a message without a frame of the room's code as it is", () => {
    const internal = 'Traceback (most recent call last):\n  File "/lib/x.py", line 1, in f\nMemoryError';
    expect(roomPythonTraceback(internal)).toBe(internal);
    expect(roomPythonTraceback("KeyboardInterrupt")).toBe("KeyboardInterrupt");
  });
});

describe("roomJavaScriptStack", () => {
  const url = "blob:null/5c0f6b1e-8a8e-4a39-9c43-2f1d2a7e9b11";
  const runner = "blob:null/276863b3-6ab7-4bd4-bbd3-e148cc9f5d93";
  const script = { url, firstLineOffset: 34, lastLine: 4 };

  it("names the room's file and drops the frames of the wrapper and the runner", () => {
    // As Chromium words an error thrown two calls deep in a three-line run.
    const stack = [
      "Error: bad",
      `    at f (${url}:2:22)`,
      `    at ${url}:3:1`,
      `    at ${url}:5:3`,
      `    at Ue (${runner}:6:893)`,
      `    at onmessage (${runner}:7:1983)`,
    ].join("\n");
    expect(roomJavaScriptStack(stack, script)).toBe("Error: bad\n    at f (<room>:2:22)\n    at <room>:3:1");
    expect(roomJavaScriptStack(stack, null)).toBe(stack);
  });

  it("counts columns on the first line from the room's code, not the wrapper before it", () => {
    const stack = `ReferenceError: y is not defined\n    at ${url}:1:40\n    at g (${url}:4:40)`;
    expect(roomJavaScriptStack(stack, script)).toBe(
      "ReferenceError: y is not defined\n    at <room>:1:6\n    at g (<room>:4:40)",
    );
  });
});
