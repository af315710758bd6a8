/**
 * Other people's cursors and selections in the editor: a state field that keeps
 * them mapped through every change, local or remote, and draws each as a caret
 * with a name label (a widget) plus a mark over the selected text.
 */
import { type ChangeDesc, type EditorState, type Extension, StateEffect, StateField } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, WidgetType } from "@codemirror/view";
import type { PeerInfo } from "../../protocol/messages";
import { safeColor, translucent } from "./colors";

export interface PeerCursor {
  clientId: string;
  name: string;
  color: string;
  anchor: number;
  head: number;
}

const clamp = (pos: number, length: number) => Math.max(0, Math.min(length, Math.floor(pos)));

function mapCursor(cursor: PeerCursor, changes: ChangeDesc): PeerCursor {
  return { ...cursor, anchor: changes.mapPos(cursor.anchor, 1), head: changes.mapPos(cursor.head, 1) };
}

/** A peer as the server described it, placed in this document; `null` when it has no selection. */
export function peerCursor(peer: PeerInfo, docLength: number): PeerCursor | null {
  if (!peer.selection) return null;
  return {
    clientId: peer.clientId,
    name: peer.name,
    color: safeColor(peer.color),
    anchor: clamp(peer.selection.anchor, docLength),
    head: clamp(peer.selection.head, docLength),
  };
}

export const peerMoved = StateEffect.define<PeerCursor>({ map: mapCursor });
export const peerRemoved = StateEffect.define<string>();
export const peersReset = StateEffect.define<readonly PeerCursor[]>({
  map: (cursors, changes) => cursors.map((c) => mapCursor(c, changes)),
});

export const peerCursorsField = StateField.define<readonly PeerCursor[]>({
  create: () => [],
  update(cursors, tr) {
    let next = tr.docChanged ? cursors.map((c) => mapCursor(c, tr.changes)) : cursors;
    const length = tr.state.doc.length;
    for (const effect of tr.effects) {
      if (effect.is(peerMoved)) {
        const moved = { ...effect.value, anchor: clamp(effect.value.anchor, length), head: clamp(effect.value.head, length) };
        next = next.filter((c) => c.clientId !== moved.clientId).concat(moved);
      } else if (effect.is(peerRemoved)) {
        next = next.filter((c) => c.clientId !== effect.value);
      } else if (effect.is(peersReset)) {
        next = effect.value.map((c) => ({ ...c, anchor: clamp(c.anchor, length), head: clamp(c.head, length) }));
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field, peerDecorations),
});

class CaretWidget extends WidgetType {
  constructor(
    readonly clientId: string,
    readonly name: string,
    readonly color: string,
  ) {
    super();
  }

  override eq(other: CaretWidget): boolean {
    return other.clientId === this.clientId && other.name === this.name && other.color === this.color;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = "cm-peer-caret";
    caret.style.borderLeftColor = this.color;
    caret.setAttribute("aria-hidden", "true");
    caret.dataset.testid = "peer-caret";
    caret.dataset.clientId = this.clientId;
    const label = document.createElement("span");
    label.className = "cm-peer-label";
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    label.dataset.testid = "peer-label";
    caret.appendChild(label);
    return caret;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

export function peerDecorations(cursors: readonly PeerCursor[]): DecorationSet {
  const ranges = [];
  for (const c of cursors) {
    const from = Math.min(c.anchor, c.head);
    const to = Math.max(c.anchor, c.head);
    if (from < to) {
      ranges.push(
        Decoration.mark({
          class: "cm-peer-selection",
          attributes: { style: `background-color: ${translucent(c.color, 0.25)}` },
        }).range(from, to),
      );
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(c.clientId, c.name, c.color), side: 1 }).range(c.head));
  }
  return Decoration.set(ranges, true);
}

/** The cursors of `peers` for a fresh editor state. */
export function initialPeerCursors(state: EditorState, peers: readonly PeerInfo[]): PeerCursor[] {
  return peers.map((p) => peerCursor(p, state.doc.length)).filter((c): c is PeerCursor => c !== null);
}

export const peerCursors: Extension = [
  peerCursorsField,
  EditorView.baseTheme({
    ".cm-peer-caret": {
      position: "relative",
      borderLeft: "2px solid",
      marginLeft: "-1px",
      marginRight: "-1px",
      pointerEvents: "none",
    },
    ".cm-peer-label": {
      position: "absolute",
      bottom: "100%",
      left: "-2px",
      padding: "0 4px",
      borderRadius: "3px 3px 3px 0",
      color: "#fff",
      fontSize: "11px",
      lineHeight: "15px",
      fontFamily: "system-ui, sans-serif",
      whiteSpace: "nowrap",
      userSelect: "none",
      zIndex: "10",
    },
  }),
];
