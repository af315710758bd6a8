import { describe, expect, it } from "vitest";
import { backoffDelay, decideOnClose } from "./backoff";

const policy = { baseMs: 500, maxMs: 15_000 };

describe("backoffDelay", () => {
  it("doubles the step with each attempt", () => {
    const top = (attempt: number) => backoffDelay(attempt, () => 0.999999, policy);
    expect([0, 1, 2, 3, 4].map(top)).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it("never waits less than half of the step", () => {
    expect(backoffDelay(0, () => 0, policy)).toBe(250);
    expect(backoffDelay(3, () => 0, policy)).toBe(2000);
  });

  it("spreads the delay with the injected random", () => {
    expect(backoffDelay(2, () => 0.5, policy)).toBe(1500);
  });

  it("stops growing at the maximum", () => {
    expect(backoffDelay(10, () => 0.999999, policy)).toBe(15_000);
    expect(backoffDelay(1000, () => 0, policy)).toBe(7500);
  });

  it("is deterministic for a given random source", () => {
    let seed = 42;
    const rng = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const first = [0, 1, 2, 3].map((a) => backoffDelay(a, rng, policy));
    seed = 42;
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, rng, policy))).toEqual(first);
  });
});

describe("decideOnClose", () => {
  it.each([
    [4404, "room_not_found"],
    [4400, "invalid_room"],
    [4403, "forbidden"],
    [4409, "replaced"],
  ])("stops on %i (%s)", (code, reason) => {
    expect(decideOnClose(code)).toEqual({ kind: "stop", reason });
  });

  it.each([1000, 1006, 1008, 1009, 1011, 1012, 1013])("retries on %i", (code) => {
    expect(decideOnClose(code)).toEqual({ kind: "retry" });
  });
});
