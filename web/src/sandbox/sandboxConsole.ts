/**
 * The `console` that a run's JavaScript writes to: each method's text goes to
 * the run's stdout or stderr, formatted as Node and browser consoles do,
 * indented inside `console.group`s.
 */
import { describe, formatArgs } from "./format";
import { inspect, type InspectOptions } from "./inspect";
import type { SandboxStream } from "./protocol";
import { formatTable } from "./table";

export interface ConsoleSink {
  write(stream: SandboxStream, text: string): void;
  /** The time in milliseconds, for console.time. */
  now(): number;
  /** The call stack where console.trace was called, as the room's code sees it. */
  stack(): string;
}

type Method = (...args: unknown[]) => void;

const GROUP_INDENT = "  ";
const DEFAULT_LABEL = "default";

export function createConsole(sink: ConsoleSink, options: Partial<InspectOptions> = {}): Record<string, Method> {
  let indent = "";
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();

  const print = (stream: SandboxStream, text: string) => {
    const indented = indent ? text.replace(/^/gm, indent) : text;
    sink.write(stream, `${indented}\n`);
  };
  const logTo = (stream: SandboxStream): Method => (...args) => print(stream, formatArgs(args, options));
  const labelOf = (label: unknown) => (label === undefined ? DEFAULT_LABEL : String(label));
  const elapsed = (label: string) => `${label}: ${(sink.now() - timers.get(label)!).toFixed(3)}ms`;

  const group: Method = (...label) => {
    if (label.length) print("stdout", formatArgs(label, options));
    indent += GROUP_INDENT;
  };

  return {
    log: logTo("stdout"),
    info: logTo("stdout"),
    debug: logTo("stdout"),
    warn: logTo("stderr"),
    error: logTo("stderr"),
    trace: (...args) => {
      const heading = args.length ? `Trace: ${formatArgs(args, options)}` : "Trace";
      print("stderr", [heading, ...sink.stack().split("\n").filter((line) => /^\s+at /.test(line))].join("\n"));
    },
    dir: (value) => print("stdout", inspect(value, options)),
    table: (data, columns) => print("stdout", formatTable(data, columns, options) ?? describe(data, options)),
    assert: (condition, ...args) => {
      if (condition) return;
      print("stderr", args.length ? `Assertion failed: ${formatArgs(args, options)}` : "Assertion failed");
    },
    count: (label) => {
      const name = labelOf(label);
      const count = (counts.get(name) ?? 0) + 1;
      counts.set(name, count);
      print("stdout", `${name}: ${count}`);
    },
    countReset: (label) => {
      const name = labelOf(label);
      if (!counts.delete(name)) print("stderr", `Count for '${name}' does not exist`);
    },
    group,
    groupCollapsed: group,
    groupEnd: () => {
      indent = indent.slice(GROUP_INDENT.length);
    },
    time: (label) => {
      const name = labelOf(label);
      if (timers.has(name)) print("stderr", `Timer '${name}' already exists`);
      else timers.set(name, sink.now());
    },
    timeLog: (label, ...data) => {
      const name = labelOf(label);
      if (!timers.has(name)) print("stderr", `Timer '${name}' does not exist`);
      else print("stdout", [elapsed(name), ...data.map((d) => describe(d, options))].join(" "));
    },
    timeEnd: (label) => {
      const name = labelOf(label);
      if (!timers.has(name)) print("stderr", `Timer '${name}' does not exist`);
      else {
        print("stdout", elapsed(name));
        timers.delete(name);
      }
    },
  };
}
