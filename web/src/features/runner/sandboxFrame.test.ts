import { describe, expect, it } from "vitest";
import { parseFromSandbox } from "./sandboxFrame";

describe("parseFromSandbox", () => {
  it("takes the sandbox's own message shapes", () => {
    expect(parseFromSandbox({ kind: "ready" })).toEqual({ kind: "ready" });
    expect(parseFromSandbox({ kind: "output", runId: "r", stream: "stderr", text: "x" })).toEqual({
      kind: "output",
      runId: "r",
      stream: "stderr",
      text: "x",
    });
    expect(parseFromSandbox({ kind: "done", runId: "r", status: "error" })).toEqual({ kind: "done", runId: "r", status: "error" });
  });

  it("refuses what the room's code could post to look like the sandbox", () => {
    for (const forged of [
      null,
      "done",
      { kind: "output", runId: "r", stream: "stdout", text: 42 },
      { kind: "output", runId: "r", stream: "stdin", text: "x" },
      { kind: "done", runId: "r", status: "timeout" },
      { kind: "phase", runId: "r", phase: "whatever" },
      { kind: "output", stream: "stdout", text: "no run id" },
      { kind: "run", runId: "r" },
    ]) {
      expect(parseFromSandbox(forged)).toBeNull();
    }
  });
});
