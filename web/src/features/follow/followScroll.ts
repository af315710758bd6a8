/**
 * The editor side of following: where to scroll to keep a peer in view, what a
 * person's own screen shows (their `viewport`), and the gestures that mean
 * "I am looking for myself now" (which stop following).
 */
import type { Extension, StateEffect } from "@codemirror/state";
import { EditorView, ViewPlugin } from "@codemirror/view";
import type { Viewport } from "../../protocol/messages";

const clamp = (pos: number, length: number) => Math.max(0, Math.min(length, Math.floor(pos)));

/** Room kept around the followed cursor, in pixels. */
const MARGIN = 48;

/**
 * A scroll that keeps the peer's cursor `head` on screen and, when they said
 * what they see (`viewport`, containing the cursor) and it fits here, starts
 * where their screen starts, so both people look at the same lines.
 */
export function followScroll(view: EditorView, head: number, viewport?: Viewport | null): StateEffect<unknown> {
  const length = view.state.doc.length;
  const cursor = clamp(head, length);
  if (viewport) {
    const from = clamp(viewport.from, length);
    const to = clamp(viewport.to, length);
    if (from <= cursor && cursor <= to) {
      const needed = view.lineBlockAt(cursor).bottom - view.lineBlockAt(from).top;
      if (needed + MARGIN <= view.scrollDOM.clientHeight) return EditorView.scrollIntoView(from, { y: "start" });
    }
  }
  return EditorView.scrollIntoView(cursor, { y: "nearest", yMargin: MARGIN });
}

/** The part of the document on this person's screen. */
export function visibleViewport(view: EditorView): Viewport {
  const box = view.scrollDOM.getBoundingClientRect();
  const length = view.state.doc.length;
  if (box.height <= 0) return { from: 0, to: 0 };
  const top = Math.max(0, box.top - view.documentTop);
  const bottom = Math.max(top, box.bottom - view.documentTop);
  const from = clamp(view.lineBlockAtHeight(top).from, length);
  const to = clamp(view.lineBlockAtHeight(bottom).to, length);
  return { from, to: Math.max(from, to) };
}

export function sameViewport(a: Viewport | null | undefined, b: Viewport | null | undefined): boolean {
  return a?.from === b?.from && a?.to === b?.to;
}

/**
 * Calls `onOwnMove` when this person scrolls (wheel, touch, the scrollbar) or
 * types or clicks in the editor, the gutter included: the follower takes over
 * its own view. Scrolls made by following itself fire none of these events. The
 * listeners sit on the scroller, not the content: a drag of the scrollbar or a
 * press on the line numbers never reaches the content element.
 */
export function ownMoves(onOwnMove: () => void): Extension {
  return ViewPlugin.define((view) => {
    const handler = () => onOwnMove();
    const events = ["wheel", "touchmove", "mousedown", "keydown"] as const;
    for (const event of events) view.scrollDOM.addEventListener(event, handler, { passive: true });
    return {
      destroy() {
        for (const event of events) view.scrollDOM.removeEventListener(event, handler);
      },
    };
  });
}
