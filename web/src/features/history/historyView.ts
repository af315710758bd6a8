/** The read-only CodeMirror state that shows one version, its step's changes marked. */
import { type ChangeSet, EditorState, type Extension, RangeSetBuilder, type Text } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, lineNumbers, WidgetType } from "@codemirror/view";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";

class DeletedMark extends WidgetType {
  toDOM() {
    const mark = document.createElement("span");
    mark.className = "cm-history-deleted";
    mark.title = "deleted in this step";
    return mark;
  }
}

const inserted = Decoration.mark({ class: "cm-history-inserted" });
const deleted = Decoration.widget({ widget: new DeletedMark(), side: 1 });

/** Marks over the text that `changes` inserted, and a bar where it deleted. */
export function stepMarks(changes: ChangeSet | null): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  changes?.iterChanges((fromA, toA, fromB, toB) => {
    if (toB > fromB) builder.add(fromB, toB, inserted);
    else if (toA > fromA) builder.add(fromB, fromB, deleted);
  });
  return builder.finish();
}

/** Where the step happened, to bring it into view. */
export function firstChange(changes: ChangeSet | null): number | null {
  let first: number | null = null;
  changes?.iterChanges((_fa, _ta, fromB) => {
    if (first === null) first = fromB;
  });
  return first;
}

export function versionState(doc: Text, changes: ChangeSet | null, language: Extension): EditorState {
  const marks = stepMarks(changes);
  return EditorState.create({
    doc,
    extensions: [
      lineNumbers(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      language,
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      EditorView.decorations.of(marks),
      EditorView.contentAttributes.of({ "data-testid": "history-content", "aria-label": "Text at this version" }),
      EditorView.theme({
        "&": { height: "100%", fontSize: "14px" },
        ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.5" },
      }),
    ],
  });
}
