/**
 * Ghost-text suggestions: after a pause in typing, ask for a completion and show
 * it at the cursor as muted text. Tab inserts it as one ordinary edit (one undo
 * removes it); Escape, typing, or moving away dismisses it. A remote edit
 * elsewhere keeps it in place; one at the cursor dismisses it.
 */
import { isolateHistory } from "@codemirror/commands";
import { Facet, Prec, type StateCommand, StateEffect, StateField, Transaction, type Extension } from "@codemirror/state";
import { Decoration, EditorView, keymap, ViewPlugin, type ViewUpdate, WidgetType } from "@codemirror/view";
import { cleanInsert } from "../room/documentRules";
import type { SuggestionRequest } from "./api";

export interface Ghost {
  pos: number;
  text: string;
}

export interface GhostConfig {
  /** Ask for a suggestion; rejects when aborted. */
  suggest(request: SuggestionRequest, signal: AbortSignal): Promise<string>;
  /** The room's language, sent with the request. */
  language(): string;
  /** Told whenever the ghost appears or goes. */
  onChange?(ghost: Ghost | null): void;
  idleMs?: number;
}

export const ghostConfig = Facet.define<GhostConfig, GhostConfig | null>({ combine: (v) => v[0] ?? null });

export const showGhost = StateEffect.define<Ghost>();
export const clearGhost = StateEffect.define<null>();

/** Text the document can hold: `\n` line breaks, no NUL, no lone surrogate (PROTOCOL.md). */
export function cleanSuggestion(text: string): string {
  return cleanInsert(text.replace(/\r\n?/g, "\n"));
}

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(ghost, tr) {
    for (const effect of tr.effects) {
      if (effect.is(clearGhost)) return null;
      if (effect.is(showGhost)) {
        const { pos, text } = effect.value;
        return pos >= 0 && pos <= tr.state.doc.length && text ? effect.value : null;
      }
    }
    if (!ghost) return null;
    if (tr.docChanged) {
      if (!tr.annotation(Transaction.remote)) return null;
      if (tr.changes.touchesRange(ghost.pos)) return null;
      ghost = { ...ghost, pos: tr.changes.mapPos(ghost.pos) };
    }
    const main = tr.state.selection.main;
    if (tr.selection && (!main.empty || main.head !== ghost.pos)) return null;
    return ghost;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (ghost) =>
      ghost ? Decoration.set([Decoration.widget({ widget: new GhostWidget(ghost.text), side: 1 }).range(ghost.pos)]) : Decoration.none,
    ),
});

class GhostWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }

  override eq(other: GhostWidget): boolean {
    return other.text === this.text;
  }

  toDOM(): HTMLElement {
    const span = document.createElement("span");
    span.className = "cm-ghost-text";
    span.textContent = this.text;
    span.dataset.testid = "ghost-text";
    span.setAttribute("aria-label", `Suggestion: ${this.text}. Press Tab to accept.`);
    return span;
  }

  override ignoreEvent(): boolean {
    return false;
  }
}

/** Insert the ghost text as one edit of its own in the history. */
export const acceptGhost: StateCommand = ({ state, dispatch }) => {
  const ghost = state.field(ghostField, false);
  if (!ghost) return false;
  dispatch(state.update({
    changes: { from: ghost.pos, insert: ghost.text },
    selection: { anchor: ghost.pos + ghost.text.length },
    effects: clearGhost.of(null),
    annotations: isolateHistory.of("full"),
    userEvent: "input.complete",
    scrollIntoView: true,
  }));
  return true;
};

export const dismissGhost: StateCommand = ({ state, dispatch }) => {
  if (!state.field(ghostField, false)) return false;
  dispatch(state.update({ effects: clearGhost.of(null) }));
  return true;
};

/** Whether a transaction is the person typing or deleting (not undo, not accepting a suggestion). */
const isTyping = (tr: Transaction) =>
  tr.docChanged && !tr.annotation(Transaction.remote) && (tr.isUserEvent("input.type") || tr.isUserEvent("delete") || tr.isUserEvent("input.paste"));

const ghostTrigger = ViewPlugin.fromClass(
  class {
    private timer: ReturnType<typeof setTimeout> | null = null;
    private request: AbortController | null = null;

    constructor(private readonly view: EditorView) {}

    update(update: ViewUpdate) {
      const before = update.startState.field(ghostField, false) ?? null;
      const after = update.state.field(ghostField, false) ?? null;
      if (before !== after) {
        const config = update.state.facet(ghostConfig);
        // Outside the update cycle: listeners may dispatch to React and Redux.
        queueMicrotask(() => config?.onChange?.(after));
      }
      if (update.transactions.some(isTyping)) this.restart();
      // The person moved the cursor: whatever was asked for is not wanted any more.
      else if (update.selectionSet) this.cancel();
    }

    private restart() {
      this.cancel();
      const idle = this.view.state.facet(ghostConfig)?.idleMs ?? 600;
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.ask();
      }, idle);
    }

    private cancel() {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.request?.abort();
      this.request = null;
    }

    private async ask() {
      const config = this.view.state.facet(ghostConfig);
      const state = this.view.state;
      const { main } = state.selection;
      if (!config || !main.empty || state.selection.ranges.length > 1) return;
      const request = new AbortController();
      this.request = request;
      let text: string;
      try {
        text = await config.suggest({ code: state.doc.toString(), cursorPosition: main.head, language: config.language() }, request.signal);
      } catch {
        return;
      } finally {
        if (this.request === request) this.request = null;
      }
      const now = this.view.state;
      // Dropped if the document or the cursor moved on while the request was out.
      if (request.signal.aborted || now.doc !== state.doc || !now.selection.eq(state.selection)) return;
      text = cleanSuggestion(text);
      if (text) this.view.dispatch({ effects: showGhost.of({ pos: main.head, text }) });
    }

    destroy() {
      this.cancel();
    }
  },
);

export function ghostText(config: GhostConfig): Extension {
  return [
    ghostConfig.of(config),
    ghostField,
    ghostTrigger,
    Prec.highest(
      keymap.of([
        { key: "Tab", run: acceptGhost },
        { key: "Escape", run: dismissGhost },
      ]),
    ),
    EditorView.baseTheme({
      ".cm-ghost-text": { opacity: "0.45", fontStyle: "italic", pointerEvents: "none" },
    }),
  ];
}
