/**
 * Texts at any version, fetched a page at a time: a page is the text at its
 * first version (`versions/{v}`, which the server rebuilds from a checkpoint)
 * plus the next updates (`history`), applied here. CodeMirror's `Text` shares
 * structure between versions, so a page keeps every one of its texts cheaply,
 * and scrubbing within it costs nothing. A few pages are kept; the whole log
 * is never downloaded.
 */
import { ChangeSet, Text } from "@codemirror/state";
import type { ChangesJSON } from "../../protocol/messages";
import type { HistoryApi, HistoryUpdate } from "./api";
import type { Step } from "./timeline";

export const PAGE_SIZE = 500;
const PAGES_KEPT = 8;

export interface VersionView {
  version: number;
  doc: Text;
  /** The update that produced this version, when the page has it (not for `oldest`). */
  changes: ChangeSet | null;
}

interface Page {
  start: number;
  docs: Text[];
  changes: (ChangeSet | null)[];
}

export class VersionReader {
  private readonly pages = new Map<number, Promise<Page>>();

  constructor(
    private readonly api: HistoryApi,
    private readonly oldest: number,
    private readonly onSteps: (steps: Step[]) => void,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  pageStart(version: number): number {
    return this.oldest + Math.floor((version - this.oldest) / this.pageSize) * this.pageSize;
  }

  async read(version: number): Promise<VersionView> {
    const start = this.pageStart(version);
    let page = await this.page(start);
    if (version - start >= page.docs.length) {
      // The page was read while the room was shorter: read it again.
      this.pages.delete(start);
      page = await this.page(start);
      if (version - start >= page.docs.length) throw new Error(`version ${version} is not stored yet`);
    }
    return { version, doc: page.docs[version - start], changes: page.changes[version - start] };
  }

  private page(start: number): Promise<Page> {
    let page = this.pages.get(start);
    if (page) {
      this.pages.delete(start);
      this.pages.set(start, page); // most recently used last
      return page;
    }
    page = this.load(start);
    this.pages.set(start, page);
    page.catch(() => this.pages.delete(start));
    while (this.pages.size > PAGES_KEPT) this.pages.delete(this.pages.keys().next().value as number);
    return page;
  }

  private async load(start: number): Promise<Page> {
    // The update `start` itself too (when stored): its changes are the step shown at `start`.
    const after = Math.max(start - 1, 0);
    const [base, history] = await Promise.all([this.api.version(start), this.api.history(after, this.pageSize)]);
    const docs = [Text.of(base.text.split("\n"))];
    const changes: (ChangeSet | null)[] = [null];
    for (const update of history.updates) {
      if (update.version < start) continue;
      const set = toChangeSet(update.changes);
      if (update.version === start) {
        changes[0] = set;
        continue;
      }
      if (update.version !== start + docs.length || docs.length >= this.pageSize) break;
      docs.push(set.apply(docs[docs.length - 1]));
      changes.push(set);
    }
    this.onSteps(history.updates.map(toStep));
    return { start, docs, changes };
  }
}

function toChangeSet(json: ChangesJSON): ChangeSet {
  return ChangeSet.fromJSON(json);
}

export function toStep(update: HistoryUpdate): Step {
  return { version: update.version, clientId: update.clientId, name: update.name, at: update.at };
}
