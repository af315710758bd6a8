import { describe, expect, it } from "vitest";
import { helloReceived, runReceived, serverErrorReceived } from "../connection/actions";
import {
  initialRunnerState,
  LOCAL_OUTPUT_LIMIT,
  localOutput,
  localRunEnded,
  localRunStarted,
  runnerSlice,
  type RunnerState,
} from "./runnerSlice";

const reduce = (state: RunnerState, ...actions: Parameters<typeof runnerSlice.reducer>[1][]) =>
  actions.reduce(runnerSlice.reducer, state);

const hello = (lastRun: unknown) =>
  helloReceived({
    type: "hello",
    roomId: "room1234",
    clientId: "me",
    version: 3,
    text: "",
    language: "python",
    peers: [],
    lastRun: lastRun as never,
  });

describe("runnerSlice", () => {
  it("takes how a peer's run went on from a reconnect's hello (run messages are not replayed)", () => {
    const state = reduce(
      initialRunnerState,
      runReceived({ type: "run", clientId: "bob", event: "start", runId: "r1", language: "python", version: 4 }),
      runReceived({ type: "run", clientId: "bob", event: "output", runId: "r1", stream: "stdout", text: "a" }),
      hello({
        runId: "r1", clientId: "bob", language: "python", version: 4, status: "ok", durationMs: 40,
        output: [{ stream: "stdout", text: "ab" }],
      }),
    );
    expect(state.entries).toHaveLength(1);
    expect(state.entries[0]).toMatchObject({ status: "ok", durationMs: 40, output: [{ stream: "stdout", text: "ab" }] });
  });

  it("shows another person's live run as its own entry", () => {
    const state = reduce(
      initialRunnerState,
      runReceived({ type: "run", clientId: "bob", event: "start", runId: "r1", language: "python", version: 4 }),
      runReceived({ type: "run", clientId: "bob", event: "output", runId: "r1", stream: "stdout", text: "a" }),
      runReceived({ type: "run", clientId: "bob", event: "output", runId: "r1", stream: "stdout", text: "b" }),
      runReceived({ type: "run", clientId: "bob", event: "output", runId: "r1", stream: "stderr", text: "E" }),
      runReceived({ type: "run", clientId: "bob", event: "end", runId: "r1", status: "error", durationMs: 9 }),
    );
    expect(state.entries).toHaveLength(1);
    const [entry] = state.entries;
    expect(entry).toMatchObject({ clientId: "bob", language: "python", version: 4, status: "error", durationMs: 9 });
    expect(entry!.output).toEqual([
      { stream: "stdout", text: "ab" },
      { stream: "stderr", text: "E" },
    ]);
  });

  it("keeps two people's simultaneous runs apart, even with the same run id", () => {
    const state = reduce(
      initialRunnerState,
      runReceived({ type: "run", clientId: "bob", event: "start", runId: "r1", language: "python", version: 1 }),
      runReceived({ type: "run", clientId: "cy", event: "start", runId: "r1", language: "javascript", version: 1 }),
      runReceived({ type: "run", clientId: "bob", event: "output", runId: "r1", stream: "stdout", text: "bob" }),
      runReceived({ type: "run", clientId: "cy", event: "output", runId: "r1", stream: "stdout", text: "cy" }),
    );
    expect(state.entries.map((e) => [e.clientId, e.output[0]?.text])).toEqual([
      ["bob", "bob"],
      ["cy", "cy"],
    ]);
  });

  it("shows hello's lastRun to a joiner, once", () => {
    const lastRun = {
      runId: "r9",
      clientId: "ada",
      language: "typescript",
      version: 2,
      status: "ok",
      durationMs: 12,
      output: [{ stream: "stdout", text: "hi\n" }],
    };
    const state = reduce(initialRunnerState, hello(lastRun), hello(lastRun));
    expect(state.entries).toHaveLength(1);
    expect(state.entries[0]).toMatchObject({ fromHello: true, status: "ok", version: 2 });
    expect(reduce(initialRunnerState, hello(null)).entries).toEqual([]);
  });

  it("runs this tab's own run and marks the shared limit", () => {
    const key = "me/r1";
    const state = reduce(
      initialRunnerState,
      localRunStarted({ clientId: "me", runId: "r1", language: "python", version: 5 }),
      localOutput({ key, stream: "stdout", text: "x" }),
      serverErrorReceived({ type: "error", code: "output_limit", message: "" }),
      localRunEnded({ key, status: "stopped", durationMs: 30 }),
    );
    expect(state.activeKey).toBeNull();
    expect(state.entries[0]).toMatchObject({ mine: true, status: "stopped", sharedLimitHit: true });
  });

  it("keeps at most the local limit of output", () => {
    const key = "me/r1";
    let state = reduce(initialRunnerState, localRunStarted({ clientId: "me", runId: "r1", language: "python", version: 0 }));
    const chunk = "z".repeat(30_000);
    for (let i = 0; i < 4; i++) state = reduce(state, localOutput({ key, stream: "stdout", text: chunk }));
    expect(state.entries[0]!.outputUnits).toBe(LOCAL_OUTPUT_LIMIT);
    expect(state.entries[0]!.truncated).toBe(true);
  });
});
