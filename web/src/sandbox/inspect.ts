/**
 * How the run console shows a JavaScript value: as Node's `util.inspect` does
 * (and, near enough, a browser's console), in plain text. Strings are quoted
 * inside other values; objects show their class; cycles, depth and length are
 * bounded so that no value can stall the run or flood the console.
 */

export interface InspectOptions {
  /** How many levels of nesting are expanded; deeper objects show as `[Object]`. */
  depth: number;
  /** Entries shown of an array, a Map, a Set or an object; the rest are counted. */
  maxEntries: number;
  /** Characters shown of a string inside another value. */
  maxStringLength: number;
  /** Width past which a value is laid out one entry a line. */
  breakLength: number;
  /** The text of an error shown on its own (its stack, by default). */
  formatError: (error: Error) => string;
}

export const defaultInspectOptions: InspectOptions = {
  depth: 2,
  maxEntries: 100,
  maxStringLength: 10_000,
  breakLength: 80,
  formatError: (error) => errorStack(error),
};

/** An error's stack when it has one that names it, else `Name: message`. */
export function errorStack(error: Error): string {
  const heading = errorHeading(error);
  return typeof error.stack === "string" && error.stack.includes(error.message) ? error.stack : heading;
}

function errorHeading(error: Error): string {
  const name = safely(() => String(error.name), "Error");
  const message = safely(() => String(error.message), "");
  return message ? `${name}: ${message}` : name;
}

/** A value as the console shows it inside other values: strings quoted. */
export function inspect(value: unknown, options: Partial<InspectOptions> = {}): string {
  const context: Context = { ...defaultInspectOptions, ...options, seen: [] };
  return safely(() => formatValue(context, value, 0), "[value that could not be inspected]");
}

interface Context extends InspectOptions {
  /** The objects being formatted, outermost first: meeting one again is a cycle. */
  seen: object[];
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback; // a getter or a Proxy that throws
  }
}

function formatValue(context: Context, value: unknown, level: number): string {
  if (typeof value === "string") return quotedString(value, context.maxStringLength);
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (value === undefined || value === null || typeof value === "boolean") return String(value);
  if (typeof value === "function") return formatFunction(value);
  return formatObject(context, value as object, level);
}

export function formatNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

/** A string inside another value, cut at the limit as Node cuts it. */
function quotedString(text: string, max: number): string {
  if (text.length <= max) return quote(text);
  const rest = text.length - max;
  return `${quote(text.slice(0, max))}... ${rest} more character${rest === 1 ? "" : "s"}`;
}

const ESCAPES: Record<string, string> = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v" };

/** Single quotes unless the text holds one and no double quote, as Node does. */
export function quote(text: string): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\n\t\r\b\f\v]|[\x00-\x1f\x7f]/g, (c) =>
    c === "\\" ? "\\\\" : (ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
  );
  return mark + (mark === "'" ? escaped.replaceAll("'", "\\'") : escaped) + mark;
}

function formatFunction(fn: Function): string {
  const source = safely(() => Function.prototype.toString.call(fn), "");
  const name = safely(() => fn.name, "");
  if (source.startsWith("class")) return name ? `[class ${name}]` : "[class (anonymous)]";
  const kind = safely(() => fn.constructor?.name, "Function") || "Function";
  const known = ["AsyncFunction", "GeneratorFunction", "AsyncGeneratorFunction"].includes(kind) ? kind : "Function";
  return name ? `[${known}: ${name}]` : `[${known} (anonymous)]`;
}

/** The name of an object's class, or null for an object without a prototype. */
function className(value: object): string | null {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return null;
  const name = safely(() => (proto as { constructor?: { name?: unknown } }).constructor?.name, undefined);
  return typeof name === "string" && name ? name : "Object";
}

function formatObject(context: Context, value: object, level: number): string {
  if (context.seen.includes(value)) return "[Circular]";
  if (value instanceof Error) {
    return level === 0 ? context.formatError(value) : `[${errorHeading(value)}]`;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof WeakMap || value instanceof WeakSet) return `${className(value)} { <items unknown> }`;
  const boxed = boxedPrimitive(value);
  if (boxed !== null) return boxed;
  const name = className(value);
  if (level > context.depth) {
    return Array.isArray(value) ? "[Array]" : `[${name ?? "Object: null prototype"}]`;
  }
  context.seen.push(value);
  try {
    const { prefix, entries, open, close } = describeEntries(context, value, name, level);
    return layout(context, prefix, open, entries, close, level);
  } finally {
    context.seen.pop();
  }
}

function boxedPrimitive(value: object): string | null {
  if (value instanceof Number) return `[Number: ${formatNumber(value.valueOf())}]`;
  if (value instanceof String) return `[String: ${quote(value.valueOf())}]`;
  if (value instanceof Boolean) return `[Boolean: ${value.valueOf()}]`;
  return null;
}

interface Entries {
  prefix: string;
  open: string;
  close: string;
  entries: string[];
}

function describeEntries(context: Context, value: object, name: string | null, level: number): Entries {
  const inner = (item: unknown) => formatValue(context, item, level + 1);
  if (Array.isArray(value)) {
    const prefix = name === "Array" ? "" : `${name ?? "[Array: null prototype]"}(${value.length}) `;
    return { prefix, open: "[", close: "]", entries: arrayEntries(context, value, inner) };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.from(value as unknown as ArrayLike<number | bigint>);
    return { prefix: `${name}(${items.length}) `, open: "[", close: "]", entries: limited(context, items, inner) };
  }
  if (value instanceof Map) {
    const items = [...value].map(([key, item]) => `${inner(key)} => ${inner(item)}`);
    return { prefix: `${name}(${value.size}) `, open: "{", close: "}", entries: limited(context, items, (s) => s) };
  }
  if (value instanceof Set) {
    return { prefix: `${name}(${value.size}) `, open: "{", close: "}", entries: limited(context, [...value], inner) };
  }
  const prefix = name === "Object" ? "" : name === null ? "[Object: null prototype] " : `${name} `;
  return { prefix, open: "{", close: "}", entries: propertyEntries(context, value, level) };
}

function limited<T>(context: Context, items: T[], show: (item: T) => string): string[] {
  const shown = items.slice(0, context.maxEntries).map(show);
  const rest = items.length - shown.length;
  if (rest > 0) shown.push(`... ${rest} more item${rest === 1 ? "" : "s"}`);
  return shown;
}

/** An array's items, holes counted as Node counts them (`<2 empty items>`). */
function arrayEntries(context: Context, array: unknown[], show: (item: unknown) => string): string[] {
  const entries: string[] = [];
  let holes = 0;
  const flushHoles = () => {
    if (holes) entries.push(`<${holes} empty item${holes === 1 ? "" : "s"}>`);
    holes = 0;
  };
  let index = 0;
  for (; index < array.length && entries.length < context.maxEntries; index++) {
    if (!Object.hasOwn(array, index)) {
      holes += 1;
      continue;
    }
    flushHoles();
    entries.push(show(array[index]));
  }
  flushHoles();
  const rest = array.length - index;
  if (rest > 0) entries.push(`... ${rest} more item${rest === 1 ? "" : "s"}`);
  return entries;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Own enumerable properties (symbols included), accessors shown without being called. */
function propertyEntries(context: Context, value: object, level: number): string[] {
  const keys: (string | symbol)[] = Reflect.ownKeys(value).filter(
    (key) => Object.getOwnPropertyDescriptor(value, key)?.enumerable,
  );
  const entry = (key: string | symbol) => {
    const label = typeof key === "symbol" ? `[${key.toString()}]` : IDENTIFIER.test(key) ? key : quote(key);
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if (descriptor.get || descriptor.set) {
      const kind = descriptor.get && descriptor.set ? "Getter/Setter" : descriptor.get ? "Getter" : "Setter";
      return `${label}: [${kind}]`;
    }
    return `${label}: ${formatValue(context, descriptor.value, level + 1)}`;
  };
  const shown = keys.slice(0, context.maxEntries).map(entry);
  const rest = keys.length - shown.length;
  if (rest > 0) shown.push(`... ${rest} more propert${rest === 1 ? "y" : "ies"}`);
  return shown;
}

/**
 * On one line when it fits, else one entry a line, indented by level; an array
 * of many short items (numbers, say) is packed into columns instead.
 */
function layout(context: Context, prefix: string, open: string, entries: string[], close: string, level: number): string {
  if (entries.length === 0) return `${prefix}${open}${close}`;
  const indent = "  ".repeat(level);
  const oneLine = `${prefix}${open} ${entries.join(", ")} ${close}`;
  const multiLine = entries.some((entry) => entry.includes("\n"));
  if (!multiLine && indent.length + oneLine.length <= context.breakLength) return oneLine;
  const lines = open === "[" && !multiLine ? columns(context, entries, indent) : entries.map((e) => `${e},`);
  const body = lines.map((line) => `${indent}  ${line}`).join("\n").replace(/,$/, "");
  return `${prefix}${open}\n${body}\n${indent}${close}`;
}

const SEPARATOR = 2; // ", "

/**
 * Many short items a line, in aligned columns (numbers to the right), with
 * Node's rule for when and how many: enough columns to make the block roughly
 * as wide as it is tall, never more than fit or than 12.
 */
function columns(context: Context, entries: string[], indent: string): string[] {
  const more = entries.at(-1)?.startsWith("... ") ? entries.slice(-1) : [];
  const items = entries.slice(0, entries.length - more.length);
  const oneEach = entries.map((entry) => `${entry},`);
  const longest = Math.max(...items.map((item) => item.length));
  const total = items.reduce((sum, item) => sum + item.length + SEPARATOR, 0);
  const widest = longest + SEPARATOR;
  const fits = widest * 3 + indent.length < context.breakLength && (total / widest > 5 || longest <= 6);
  if (items.length <= 6 || !fits) return oneEach;
  const averageBias = Math.sqrt(widest - total / items.length);
  const biasedMax = Math.max(widest - 3 - averageBias, 1);
  const perLine = Math.min(
    Math.round(Math.sqrt(2.5 * biasedMax * items.length) / biasedMax),
    Math.floor((context.breakLength - indent.length) / widest),
    12,
  );
  if (perLine <= 1) return oneEach;
  const columnWidths = Array.from({ length: perLine }, (_, column) =>
    Math.max(...items.filter((_, i) => i % perLine === column).map((item) => item.length)),
  );
  const numeric = items.every((item) => /^-?(\d|Infinity|NaN)/.test(item));
  const lines: string[] = [];
  for (let start = 0; start < items.length; start += perLine) {
    const row = items.slice(start, start + perLine).map((item, column) => {
      const width = columnWidths[column]!;
      return numeric ? `${item.padStart(width)},` : `${item},`.padEnd(width + 1);
    });
    lines.push(row.join(" ").trimEnd());
  }
  return [...lines, ...more.map((entry) => `${entry},`)];
}
