import { describe, expect, it } from "vitest";
import { makeStore } from "../../app/store";
import {
  boundsLoaded,
  headAdvanced,
  historyClosed,
  historyOpened,
  playToggled,
  speedChosen,
  stepped,
  stepsLoaded,
  versionChosen,
} from "./historySlice";
import { authorTicks, idleGaps, MAX_PLAYBACK_PAUSE_MS, MIN_PLAYBACK_PAUSE_MS, playbackDelay, type Step } from "./timeline";

const step = (version: number, clientId: string, at: string): Step => ({ version, clientId, name: clientId, at });

describe("historySlice", () => {
  it("grows the timeline as the room moves on, and leaves the chosen version be", () => {
    const store = makeStore();
    store.dispatch(historyOpened());
    store.dispatch(headAdvanced(9)); // before the range is known: nothing to grow
    expect(store.getState().history.head).toBe(0);
    store.dispatch(boundsLoaded({ oldest: 0, head: 6 }));
    store.dispatch(headAdvanced(12));
    expect(store.getState().history).toMatchObject({ head: 12, version: 6 });
    store.dispatch(headAdvanced(10));
    expect(store.getState().history.head).toBe(12);
  });

  it("opens on the newest version and keeps the chosen version inside oldest … head", () => {
    const store = makeStore();
    store.dispatch(historyOpened());
    store.dispatch(boundsLoaded({ oldest: 5, head: 40 }));
    expect(store.getState().history).toMatchObject({ open: true, ready: true, version: 40 });
    store.dispatch(versionChosen(2));
    expect(store.getState().history.version).toBe(5);
    store.dispatch(stepped(1));
    store.dispatch(stepped(1));
    expect(store.getState().history.version).toBe(7);
    store.dispatch(versionChosen(1000));
    expect(store.getState().history.version).toBe(40);
    store.dispatch(boundsLoaded({ oldest: 5, head: 50 }));
    expect(store.getState().history.version).toBe(40); // a refresh keeps the choice
    store.dispatch(historyClosed());
    expect(store.getState().history.open).toBe(false);
  });

  it("plays from the start when at the end, and stops at the end", () => {
    const store = makeStore();
    store.dispatch(historyOpened());
    store.dispatch(boundsLoaded({ oldest: 0, head: 3 }));
    store.dispatch(playToggled());
    expect(store.getState().history).toMatchObject({ playing: true, version: 0 });
    store.dispatch(speedChosen(16));
    store.dispatch(stepped(1));
    store.dispatch(stepped(1));
    store.dispatch(stepped(1));
    expect(store.getState().history).toMatchObject({ playing: false, version: 3, speed: 16 });
  });

  it("collects the steps of every page loaded", () => {
    const store = makeStore();
    store.dispatch(historyOpened());
    store.dispatch(stepsLoaded([step(1, "ada", "2026-01-01T00:00:00.000Z")]));
    store.dispatch(stepsLoaded([step(2, "bob", "2026-01-01T00:00:01.000Z")]));
    expect(Object.keys(store.getState().history.steps)).toEqual(["1", "2"]);
  });
});

describe("timeline", () => {
  const steps = [
    step(1, "ada", "2026-01-01T10:00:00.000Z"),
    step(2, "ada", "2026-01-01T10:00:00.200Z"),
    step(3, "bob", "2026-01-01T10:00:00.400Z"),
    step(4, "bob", "2026-01-01T10:30:00.400Z"),
    step(5, "ada", "2026-01-01T10:30:01.000Z"),
    step(9, "bob", "2026-01-01T11:30:01.000Z"), // not adjacent: nothing is known in between
  ];

  it("ticks where the author changes", () => {
    expect(authorTicks(steps)).toEqual([3, 5]);
  });

  it("marks idle gaps", () => {
    expect(idleGaps(steps)).toEqual([{ from: 3, to: 4, ms: 30 * 60_000 }]);
  });

  it("plays at the real pace divided by the speed, with idle gaps shortened", () => {
    expect(playbackDelay(steps[0], steps[1], 1)).toBe(200);
    expect(playbackDelay(steps[0], steps[1], 4)).toBe(50);
    expect(playbackDelay(steps[0], steps[1], 16)).toBe(MIN_PLAYBACK_PAUSE_MS);
    expect(playbackDelay(steps[2], steps[3], 1)).toBe(MAX_PLAYBACK_PAUSE_MS);
    expect(playbackDelay(steps[2], steps[3], 4)).toBe(MAX_PLAYBACK_PAUSE_MS / 4);
  });
});
