/**
 * `console.table` in plain text, boxed as Node draws it: an index column, a
 * column per property of the rows (or `Values` for rows that are not objects).
 */
import { inspect, type InspectOptions } from "./inspect";

/** The table, or null for data that is no table (a number, a string): logged as it is. */
export function formatTable(data: unknown, columns: unknown, options: Partial<InspectOptions> = {}): string | null {
  if (data === null || typeof data !== "object") return null;
  const rows = tableRows(data);
  const cell = (value: unknown) => inspect(value, { ...options, depth: 0, breakLength: Infinity, maxEntries: 3 });
  const valueColumn = "Values";
  const keys: string[] = Array.isArray(columns) ? columns.map(String) : [];
  let hasValues = false;
  for (const row of rows) {
    if (isRecord(row.value)) {
      if (!Array.isArray(columns)) for (const key of Object.keys(row.value)) if (!keys.includes(key)) keys.push(key);
    } else hasValues = true;
  }
  const header = [rows.indexName, ...rows.extraNames, ...keys, ...(hasValues ? [valueColumn] : [])];
  const body = rows.map((row) => [
    row.index,
    ...row.extra.map(cell),
    ...keys.map((key) => (isRecord(row.value) && Object.hasOwn(row.value, key) ? cell(row.value[key]) : "")),
    ...(hasValues ? [isRecord(row.value) ? "" : cell(row.value)] : []),
  ]);
  return drawBox(header, body);
}

interface Row {
  index: string;
  /** A Map's key, shown before the row's own columns. */
  extra: unknown[];
  value: unknown;
}

type Rows = Row[] & { indexName: string; extraNames: string[] };

function tableRows(data: object): Rows {
  const named = (rows: Row[], indexName: string, extraNames: string[] = []) =>
    Object.assign(rows, { indexName, extraNames });
  if (data instanceof Map) {
    const rows = [...data].map(([key, value], i) => ({ index: String(i), extra: [key], value }));
    return named(rows, "(iteration index)", ["Key"]);
  }
  if (data instanceof Set) {
    return named([...data].map((value, i) => ({ index: String(i), extra: [], value })), "(iteration index)");
  }
  return named(Object.entries(data).map(([index, value]) => ({ index, extra: [], value })), "(index)");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

function drawBox(header: string[], body: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]!.length)));
  const rule = (left: string, middle: string, right: string) =>
    left + widths.map((width) => "─".repeat(width + 2)).join(middle) + right;
  const line = (cells: string[]) => `│ ${cells.map((text, column) => text.padEnd(widths[column]!)).join(" │ ")} │`;
  return [
    rule("┌", "┬", "┐"),
    line(header),
    rule("├", "┼", "┤"),
    ...body.map(line),
    rule("└", "┴", "┘"),
  ].join("\n");
}
