import { ChangeSet, Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import type { ChangesJSON } from "../../protocol/messages";
import { seededRandom } from "../../test/random";
import type { HistoryApi, HistoryUpdate } from "./api";
import { VersionReader } from "./versionReader";

/** An in-memory room log standing in for the server's two history routes. */
function fakeRoom(versions: number, seed: number) {
  const rand = seededRandom(seed);
  const texts = ["start\n"];
  const updates: HistoryUpdate[] = [];
  for (let v = 1; v <= versions; v++) {
    const doc = Text.of(texts[v - 1].split("\n"));
    const at = Math.floor(rand() * (doc.length + 1));
    const del = rand() < 0.3 ? Math.min(doc.length - at, 1 + Math.floor(rand() * 3)) : 0;
    const insert = ["x", "\n", "😀", "ab"][Math.floor(rand() * 4)];
    const set = ChangeSet.of({ from: at, to: at + del, insert }, doc.length);
    texts.push(set.apply(doc).toString());
    updates.push({ version: v, clientId: v % 7 < 3 ? "ada" : "bob", name: "", at: new Date(v * 1000).toISOString(), changes: set.toJSON() as ChangesJSON });
  }
  const calls = { versions: 0, history: 0 };
  const api: HistoryApi = {
    async history(after, limit) {
      calls.history++;
      return { version: versions, oldest: 0, updates: updates.filter((u) => u.version > after).slice(0, limit) };
    },
    async version(v) {
      calls.versions++;
      return { version: v, text: texts[v], at: "" };
    },
  };
  return { texts, api, calls };
}

describe("VersionReader", () => {
  it("gives the text at every version from a page's first text and its updates", async () => {
    const room = fakeRoom(120, 3);
    const steps: number[] = [];
    const reader = new VersionReader(room.api, 0, (s) => steps.push(...s.map((x) => x.version)), 50);
    for (const v of [0, 1, 49, 50, 51, 99, 100, 120, 7, 63]) {
      const view = await reader.read(v);
      expect(view.doc.toString()).toBe(room.texts[v]);
      if (v > 0) expect(view.changes).not.toBeNull();
    }
    // Three pages, each fetched once: never the whole log.
    expect(room.calls).toEqual({ versions: 3, history: 3 });
    expect(new Set(steps).size).toBe(120);
  });

  it("highlights the step's own change at a page's first version", async () => {
    const room = fakeRoom(60, 4);
    const reader = new VersionReader(room.api, 0, () => {}, 50);
    const view = await reader.read(50);
    const before = Text.of(room.texts[49].split("\n"));
    expect(view.changes?.apply(before).toString()).toBe(room.texts[50]);
  });
});
