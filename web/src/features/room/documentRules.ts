/**
 * What a Pairpad document may hold (PROTOCOL.md, "Conventions"): no NUL, no
 * lone surrogate, at most 1 MiB of UTF-8. Local edits are cleaned or refused
 * here, before they become updates the server would reject.
 */
import { EditorState, type Extension, type Text, Transaction, type TransactionSpec } from "@codemirror/state";

export const MAX_DOCUMENT_BYTES = 1_048_576;

const FORBIDDEN_SOURCE = "\\u0000|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const HAS_FORBIDDEN = new RegExp(FORBIDDEN_SOURCE);
const FORBIDDEN = new RegExp(FORBIDDEN_SOURCE, "g");

/** `text` without the characters a document may not hold. */
export function cleanInsert(text: string): string {
  return text.replace(FORBIDDEN, "");
}

/** The UTF-8 size of `text` in bytes, as the server counts it. */
export function utf8Length(text: Text | string): number {
  let bytes = 0;
  const iter = typeof text === "string" ? [text] : text.iter();
  for (const chunk of iter) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < chunk.length) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
  }
  return bytes;
}

export function exceedsLimit(doc: Text, limit = MAX_DOCUMENT_BYTES): boolean {
  // A UTF-16 unit is at most 3 bytes of UTF-8: small documents need no count.
  return doc.length * 3 > limit && utf8Length(doc) > limit;
}

export function documentRules(onRefused: (reason: string) => void): Extension {
  const refuse = () => {
    // Outside the transaction: the callback may well update the page.
    queueMicrotask(() => onRefused("That edit would make the document larger than 1 MiB; it was not applied."));
    return [];
  };
  return EditorState.transactionFilter.of((tr): TransactionSpec | readonly TransactionSpec[] => {
    if (!tr.docChanged || tr.annotation(Transaction.remote)) return tr;
    let dirty = false;
    tr.changes.iterChanges((_fa, _ta, _fb, _tb, inserted) => {
      if (!dirty && inserted.length) dirty = HAS_FORBIDDEN.test(inserted.toString());
    });
    if (dirty) {
      const changes: { from: number; to: number; insert: string }[] = [];
      tr.changes.iterChanges((from, to, _fb, _tb, inserted) => {
        changes.push({ from, to, insert: cleanInsert(inserted.toString()) });
      });
      const spec: TransactionSpec = { changes, userEvent: tr.annotation(Transaction.userEvent) ?? "input" };
      const cleaned = tr.startState.update(spec);
      if (exceedsLimit(cleaned.newDoc)) return refuse();
      return spec;
    }
    if (exceedsLimit(tr.newDoc)) return refuse();
    return tr;
  });
}
