import { describe, expect, it } from "vitest";
import { parseServerMessage } from "./messages";

const parse = (m: unknown) => parseServerMessage(JSON.stringify(m));

describe("parseServerMessage", () => {
  it("reads a hello, dropping malformed peers", () => {
    const hello = parse({
      type: "hello",
      roomId: "room-1234",
      clientId: "me",
      version: 12,
      text: "x",
      language: "python",
      peers: [
        { clientId: "p1", name: "Ada", color: "#e5534b", selection: { anchor: 3, head: 7 } },
        { clientId: "p2", name: "Bob", color: "#2f81f7", selection: null },
        { name: "no id" },
      ],
    });
    expect(hello).toMatchObject({ type: "hello", version: 12, text: "x" });
    expect(hello?.type === "hello" && hello.peers.map((p) => p.clientId)).toEqual(["p1", "p2"]);
  });

  it("takes a hello with text null (a since reconnect)", () => {
    expect(parse({ type: "hello", roomId: "r", clientId: "c", version: 3, text: null, language: "go", peers: [] })).toMatchObject({
      text: null,
      version: 3,
      latestVersion: null,
    });
  });

  it("reads v2 fields: role, viewId, viewers, latestVersion", () => {
    const hello = parse({
      type: "hello", roomId: "room-1234", viewId: "view-5678", role: "editor", clientId: "c", version: 3,
      latestVersion: 9, text: null, language: "go", peers: [], viewers: 4, lastRun: null,
    });
    expect(hello).toMatchObject({ roomId: "room-1234", viewId: "view-5678", role: "editor", latestVersion: 9, viewers: 4 });
  });

  it("reads a viewer's hello, which names the room by its view id only", () => {
    const hello = parse({
      type: "hello", viewId: "view-5678", role: "viewer", clientId: "c", version: 0, text: "", language: "go", peers: [], viewers: 1, lastRun: null,
    });
    expect(hello).toMatchObject({ viewId: "view-5678", role: "viewer", viewers: 1, lastRun: null });
    expect(hello).not.toHaveProperty("roomId");
  });

  it("reads update, conflict, presence, leave, language and error", () => {
    expect(parse({ type: "update", version: 13, clientId: "c", changes: [5, [0, "x"], 7] })).toEqual({
      type: "update",
      version: 13,
      clientId: "c",
      changes: [5, [0, "x"], 7],
    });
    expect(parse({ type: "conflict", version: 14 })).toEqual({ type: "conflict", version: 14 });
    expect(parse({ type: "presence", clientId: "c", name: "A", color: "#fff", selection: { anchor: 1, head: 2 } })).toMatchObject({
      selection: { anchor: 1, head: 2 },
    });
    expect(parse({ type: "leave", clientId: "c" })).toEqual({ type: "leave", clientId: "c" });
    expect(parse({ type: "language", language: "go", clientId: "c" })).toEqual({ type: "language", language: "go", clientId: "c" });
    expect(parse({ type: "error", code: "invalid_changes", message: "m" })).toEqual({ type: "error", code: "invalid_changes", message: "m" });
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["an unknown type", JSON.stringify({ type: "nope" })],
    ["an update without changes", JSON.stringify({ type: "update", version: 1, clientId: "c" })],
    ["an update with bad sections", JSON.stringify({ type: "update", version: 1, clientId: "c", changes: [[1, 2]] })],
    ["a negative version", JSON.stringify({ type: "conflict", version: -1 })],
    ["a fractional version", JSON.stringify({ type: "conflict", version: 1.5 })],
    ["a hello without text", JSON.stringify({ type: "hello", roomId: "r", clientId: "c", version: 0, language: "x" })],
    ["a presence with a bad selection", JSON.stringify({ type: "presence", clientId: "c", selection: { anchor: "1" } })],
  ])("refuses %s", (_what, data) => {
    expect(parseServerMessage(data)).toBeNull();
  });
});

describe("run messages", () => {
  it("parses a relayed run event and refuses a malformed one", () => {
    expect(
      parseServerMessage('{"type":"run","event":"output","runId":"r7","clientId":"ada","stream":"stderr","text":"x"}'),
    ).toEqual({ type: "run", event: "output", runId: "r7", clientId: "ada", stream: "stderr", text: "x" });
    expect(parseServerMessage('{"type":"run","event":"end","runId":"r7","clientId":"a","status":"interrupted","durationMs":5}')).toMatchObject({
      status: "interrupted",
    });
    expect(parseServerMessage('{"type":"run","event":"output","runId":"r 7","clientId":"a","stream":"stdout","text":"x"}')).toBeNull();
    expect(parseServerMessage('{"type":"run","event":"output","runId":"r7","clientId":"a","stream":"stdin","text":"x"}')).toBeNull();
    expect(parseServerMessage('{"type":"run","event":"start","runId":"r7","clientId":"a","language":"python"}')).toBeNull();
  });

  it("reads hello's lastRun, and a malformed one as null", () => {
    const base = { type: "hello", roomId: "room1234", clientId: "me", version: 1, text: "", language: "python", peers: [] };
    const lastRun = { runId: "r1", clientId: "ada", language: "python", version: 1, status: null, durationMs: null, output: [{ stream: "stdout", text: "a" }] };
    const parsed = parseServerMessage(JSON.stringify({ ...base, lastRun }));
    expect(parsed).toMatchObject({ type: "hello", lastRun });
    expect(parseServerMessage(JSON.stringify({ ...base, lastRun: { runId: 3 } }))).toMatchObject({ lastRun: null });
    expect(parseServerMessage(JSON.stringify(base))).toMatchObject({ lastRun: null });
  });
});
