import { describe, expect, it } from "vitest";
import { helloReceived, peerLeft, presenceReceived, runReceived, serverErrorReceived } from "../connection/actions";
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

const hello = (lastRun: unknown, peers: { clientId: string; name: string }[] = []) =>
  helloReceived({
    type: "hello",
    roomId: "room1234",
    clientId: "me",
    version: 3,
    text: "",
    language: "python",
    peers: peers.map((peer) => ({ ...peer, color: "#e5534b", selection: null })),
    lastRun: lastRun as never,
  });

const presence = (clientId: string, name: string) =>
  presenceReceived({ type: "presence", clientId, name, color: "#e5534b", selection: null });

const bobStarts = runReceived({ type: "run", clientId: "bob", event: "start", runId: "r1", language: "python", version: 4 });

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

  it("keeps the runner's name on the run after the runner leaves", () => {
    const state = reduce(
      initialRunnerState,
      presence("bob", "Bob"),
      bobStarts,
      peerLeft({ type: "leave", clientId: "bob" }),
      runReceived({ type: "run", clientId: "bob", event: "end", runId: "r1", status: "interrupted", durationMs: 5 }),
    );
    expect(state.entries[0]).toMatchObject({ clientId: "bob", runnerName: "Bob", status: "interrupted" });
  });

  it("names the run after the runner as they were called when it started", () => {
    const state = reduce(initialRunnerState, presence("bob", "Bob"), bobStarts, presence("bob", "Robert"));
    expect(state.entries[0]!.runnerName).toBe("Bob");
  });

  it("names hello's lastRun after a runner still in the room, or once their presence arrives", () => {
    const lastRun = {
      runId: "r9", clientId: "ada", language: "python", version: 2, status: "ok", durationMs: 12, output: [],
    };
    const named = reduce(initialRunnerState, hello(lastRun, [{ clientId: "ada", name: "Ada" }]));
    expect(named.entries[0]!.runnerName).toBe("Ada");
    const unnamed = reduce(initialRunnerState, hello(lastRun));
    expect(unnamed.entries[0]!.runnerName).toBeNull();
    expect(reduce(unnamed, presence("ada", "Ada")).entries[0]!.runnerName).toBe("Ada");
  });
});
