/**
 * What `console.log(...)` prints: its arguments side by side, a first string's
 * `%s`, `%d`, `%o`… filled from the arguments after it, as Node's `util.format`
 * and browser consoles do.
 */
import { formatNumber, inspect, type InspectOptions } from "./inspect";

type Options = Partial<InspectOptions>;

/** A value on its own in a log line: a string as it is, anything else inspected. */
export function describe(value: unknown, options: Options = {}): string {
  return typeof value === "string" ? value : inspect(value, options);
}

/** The line that `console.log(...args)` writes, without its line break. */
export function formatArgs(args: unknown[], options: Options = {}): string {
  const [first, ...rest] = args;
  // As in Node, a format string with nothing to fill it in is printed as it is (`%%` included).
  if (typeof first !== "string" || rest.length === 0) return args.map((arg) => describe(arg, options)).join(" ");
  const { text, used } = substitute(first, rest, options);
  return [text, ...rest.slice(used).map((arg) => describe(arg, options))].join(" ");
}

const DIRECTIVE = /%([sdifjoOc%])/g;

function substitute(format: string, args: unknown[], options: Options): { text: string; used: number } {
  let used = 0;
  const text = format.replace(DIRECTIVE, (directive: string, letter: string) => {
    if (letter === "%") return "%";
    if (used >= args.length) return directive; // nothing left to fill it: printed as written
    return convert(letter, args[used++], options);
  });
  return { text, used };
}

function convert(letter: string, arg: unknown, options: Options): string {
  switch (letter) {
    case "s":
      return asString(arg, options);
    case "d":
      return asNumber(arg, (n) => Number(n));
    case "i":
      return asNumber(arg, (n) => Number.parseInt(String(n), 10));
    case "f":
      return typeof arg === "symbol" ? "NaN" : formatNumber(Number.parseFloat(String(arg)));
    case "j":
      return asJson(arg, options);
    case "o":
      return inspect(arg, { ...options, depth: 4 });
    case "O":
      return inspect(arg, options);
    default: // %c: CSS, which plain text has no use for
      return "";
  }
}

/** `toString`s that say less than the inspected value: only a class's own one is used. */
const BUILT_IN_TO_STRINGS = new Set<unknown>(
  [Object, Array, Error, Date, RegExp, Function, Map, Set, Promise].map((type) => type.prototype.toString),
);

function asString(arg: unknown, options: Options): string {
  if (typeof arg === "bigint") return `${arg}n`;
  if (typeof arg === "number") return formatNumber(arg);
  if (typeof arg === "symbol") return arg.toString();
  if (arg === null || (typeof arg !== "object" && typeof arg !== "function")) return String(arg);
  const toString = (arg as { toString?: unknown }).toString;
  if (typeof toString === "function" && !BUILT_IN_TO_STRINGS.has(toString)) {
    try {
      return String(toString.call(arg));
    } catch {
      // a toString that throws: inspect instead
    }
  }
  return inspect(arg, { ...options, depth: 0 });
}

function asNumber(arg: unknown, toNumber: (n: unknown) => number): string {
  if (typeof arg === "bigint") return `${arg}n`;
  if (typeof arg === "symbol") return "NaN";
  try {
    return formatNumber(toNumber(arg));
  } catch {
    return "NaN"; // an object whose valueOf throws, or one without a prototype
  }
}

function asJson(arg: unknown, options: Options): string {
  try {
    return JSON.stringify(arg) ?? "undefined";
  } catch (error) {
    // A cycle (Node prints this) or a BigInt, which JSON cannot hold.
    return error instanceof TypeError && /circular/i.test(error.message) ? "[Circular]" : inspect(arg, options);
  }
}
