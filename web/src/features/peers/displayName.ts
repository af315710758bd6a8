/**
 * Display names by the server's rule (`clean_name` in service/presence.py):
 * control, format and unassigned characters (Unicode category C) dropped,
 * whitespace trimmed, then at most MAX_NAME_LENGTH characters kept. A character
 * there is a Python one, a code point: an emoji is one, not the two UTF-16 units
 * that `maxLength` and `String.length` count.
 */
import { MAX_NAME_LENGTH } from "../../protocol/messages";

// Python's `unicodedata.category(ch)[0] == "C"`.
const DROPPED = /^\p{C}$/u;
// What Python's `str.strip` removes, once category C is gone.
const SPACE = /^\s$/u;

/** The name as the server keeps it ("" if nothing is left). */
export function cleanName(name: string): string {
  const kept = Array.from(name)
    .filter((ch) => !DROPPED.test(ch))
    .join("")
    .trim();
  return Array.from(kept).slice(0, MAX_NAME_LENGTH).join("");
}

/**
 * What the name field takes of `typed`: up to the last character the server
 * would keep, so that the field stops where the name others see stops.
 */
export function fitName(typed: string): string {
  let counted = 0;
  let end = 0;
  for (const ch of typed) {
    // Dropped characters and leading spaces take none of the allowance.
    const counts = !DROPPED.test(ch) && (counted > 0 || !SPACE.test(ch));
    if (counts && counted === MAX_NAME_LENGTH) break;
    if (counts) counted += 1;
    end += ch.length;
  }
  return typed.slice(0, end);
}
