/**
 * What a run writes, coalesced for the socket: pieces of one stream are joined
 * until the next flush (at most every 50 ms), then cut into messages of at most
 * 1,024 UTF-16 units, never between the two halves of a surrogate pair.
 */
import { MAX_RUN_TEXT_UNITS, type RunOutputPiece, type RunStream } from "../../protocol/messages";

/** Lone surrogates become U+FFFD: the wire carries well-formed UTF-16 only. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** Cuts `text` into pieces of at most `max` units, keeping surrogate pairs whole. */
export function splitUnits(text: string, max: number = MAX_RUN_TEXT_UNITS): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    let end = start + max;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1; // a high surrogate: its pair goes next
    pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/**
 * Holds a run's output between flushes. Output after a quiet spell (nothing
 * sent for `intervalMs`) is due at once; the rest waits for the caller's next
 * periodic flush. Only a flush that sent something starts a new interval: the
 * periodic flush of nothing must not hold back the next line.
 */
export class OutputCoalescer {
  private pending: RunOutputPiece[] = [];
  private lastSent = -Infinity;

  constructor(private readonly intervalMs: number) {}

  push(stream: RunStream, text: string): void {
    if (text === "") return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
  }

  get empty(): boolean {
    return this.pending.length === 0;
  }

  /** Whether what was pushed should be taken now (`now` in milliseconds). */
  due(now: number): boolean {
    return now - this.lastSent >= this.intervalMs;
  }

  /** Everything pushed since the last call, as messages' worth of output. */
  take(now: number): RunOutputPiece[] {
    const out: RunOutputPiece[] = [];
    for (const piece of this.pending) {
      for (const text of splitUnits(wellFormed(piece.text))) out.push({ stream: piece.stream, text });
    }
    this.pending = [];
    if (out.length) this.lastSent = now;
    return out;
  }
}
