/** What the timeline shows beside the slider, from the steps (updates) loaded so far. */

export interface Step {
  version: number;
  clientId: string;
  name: string;
  /** When the update was stored, ISO 8601 UTC. */
  at: string;
}

/** A pause longer than this is an idle gap: marked on the timeline, shortened in playback. */
export const IDLE_GAP_MS = 60_000;
/** Playback waits at most this long (at 1×) between two updates. */
export const MAX_PLAYBACK_PAUSE_MS = 1_000;
/** And at least this long, so that a burst is still seen. */
export const MIN_PLAYBACK_PAUSE_MS = 16;
export const SPEEDS = [1, 4, 16] as const;
export type Speed = (typeof SPEEDS)[number];

/** Versions whose author differs from the previous loaded step's. */
export function authorTicks(steps: readonly Step[]): number[] {
  const ticks: number[] = [];
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1];
    if (steps[i].version === prev.version + 1 && steps[i].clientId !== prev.clientId) ticks.push(steps[i].version);
  }
  return ticks;
}

/** The gaps (from one version to the next) where the room was idle longer than `threshold`. */
export function idleGaps(steps: readonly Step[], threshold = IDLE_GAP_MS): { from: number; to: number; ms: number }[] {
  const gaps = [];
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1];
    if (steps[i].version !== prev.version + 1) continue;
    const ms = Date.parse(steps[i].at) - Date.parse(prev.at);
    if (ms > threshold) gaps.push({ from: prev.version, to: steps[i].version, ms });
  }
  return gaps;
}

/** How long playback shows version `prev` before `next`: the real pause, divided
 *  by the speed, with idle gaps shortened. */
export function playbackDelay(prev: Step | undefined, next: Step | undefined, speed: Speed): number {
  const real = prev && next ? Date.parse(next.at) - Date.parse(prev.at) : MAX_PLAYBACK_PAUSE_MS;
  const pause = Math.min(Math.max(real, 0), MAX_PLAYBACK_PAUSE_MS);
  return Math.max(pause / speed, MIN_PLAYBACK_PAUSE_MS);
}
