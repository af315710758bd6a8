import { CloseCode } from "../../protocol/messages";

/**
 * Reconnect timing: exponential backoff with "equal jitter", so that a crowd of
 * clients dropped by one restarting process does not come back in one wave,
 * and no client waits less than half of its step.
 */
export interface BackoffPolicy {
  /** Delay of the first retry, before jitter, in ms. */
  baseMs: number;
  /** Largest delay before jitter, in ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 500, maxMs: 15_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry after a drop).
 * `random` returns a number in [0, 1), as `Math.random` does.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = defaultBackoff): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(step / 2 + (step / 2) * random());
}

export type CloseDecision =
  /** Reconnect after a backoff delay, with `since`. */
  | { kind: "retry" }
  /** Stop; the room page shows why. */
  | { kind: "stop"; reason: StopReason };

export type StopReason = "room_not_found" | "invalid_room" | "forbidden" | "replaced";

/** What a client does when its socket closes with `code` (PROTOCOL.md, "WebSocket"). */
export function decideOnClose(code: number): CloseDecision {
  switch (code) {
    case CloseCode.roomNotFound:
      return { kind: "stop", reason: "room_not_found" };
    case CloseCode.invalidRoomId:
      return { kind: "stop", reason: "invalid_room" };
    case CloseCode.forbiddenOrigin:
      return { kind: "stop", reason: "forbidden" };
    case CloseCode.replaced:
      return { kind: "stop", reason: "replaced" };
    default:
      // 1008 (protocol or rate limit), 1009, 1011, 1012, 1013, 1006 (dropped)
      // and anything else: come back after the backoff delay.
      return { kind: "retry" };
  }
}
