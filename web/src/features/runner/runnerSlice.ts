/**
 * The shared console: every run this tab has seen (its own, other people's live
 * runs, and the room's last run from `hello`), newest last, and what is needed
 * to show one that is going (Pyodide's loading progress, the time limit).
 */
import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { LastRun, RunStatus, RunStream } from "../../protocol/messages";
import { WORKER_OUTPUT_CAP } from "../../sandbox/protocol";
import { helloReceived, presenceReceived, runReceived, serverErrorReceived } from "../connection/actions";

/** What one console entry keeps of a run's output (UTF-16 units); the rest is cut.
 * A little more than the room's 64 KiB, so that the runner sees where sharing
 * stopped; not much more, because laying out a <pre> of hundreds of thousands
 * of lines stalls the page for seconds (measured: 256 Ki units of `1\n` froze it 6 s). */
export const LOCAL_OUTPUT_LIMIT = WORKER_OUTPUT_CAP;
/** Entries kept: older runs scroll out. */
export const MAX_ENTRIES = 20;
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/** A run as the console shows it: what `lastRun` says of it, and what this tab knows. */
export interface RunEntry extends LastRun {
  /** `clientId/runId`: run ids are only unique per client. */
  key: string;
  outputUnits: number;
  /** Output past LOCAL_OUTPUT_LIMIT was not kept. */
  truncated: boolean;
  /** This tab ran it. */
  mine: boolean;
  /** The room stopped sharing its output at 64 KiB (`output_limit`). */
  sharedLimitHit: boolean;
  /** Known from hello's lastRun, not seen live. */
  fromHello: boolean;
  /** The runner's name when the run started (the wire has only its client id),
   * so that it stays after the runner leaves; null while this tab knows none. */
  runnerName: string | null;
}

export interface PyodideLoad {
  phase: "idle" | "downloading" | "starting" | "ready" | "failed";
  loaded: number;
  total: number;
}

export interface RunnerState {
  entries: RunEntry[];
  /** The run this tab has going, if any. */
  activeKey: string | null;
  timeLimitMs: number;
  pyodide: PyodideLoad;
  /** The names of everyone this tab has seen in the room by client id, kept
   * after they leave: their runs are still theirs. */
  names: Record<string, string>;
}

/** `?runTimeLimitMs=` on the page's address sets another limit (the browser tests use it). */
function initialTimeLimit(): number {
  const search = typeof location === "undefined" ? "" : location.search;
  const asked = Number(new URLSearchParams(search).get("runTimeLimitMs"));
  return Number.isFinite(asked) && asked >= 100 ? asked : DEFAULT_TIME_LIMIT_MS;
}

export const initialRunnerState: RunnerState = {
  entries: [],
  activeKey: null,
  timeLimitMs: initialTimeLimit(),
  pyodide: { phase: "idle", loaded: 0, total: 0 },
  names: {},
};

export const runKey = (clientId: string, runId: string) => `${clientId}/${runId}`;

function newEntry(
  state: RunnerState,
  clientId: string,
  runId: string,
  language: string,
  version: number,
  mine: boolean,
): RunEntry {
  return {
    key: runKey(clientId, runId),
    runId,
    clientId,
    language,
    version,
    status: null,
    durationMs: null,
    output: [],
    outputUnits: 0,
    truncated: false,
    mine,
    sharedLimitHit: false,
    fromHello: false,
    runnerName: state.names[clientId] ?? null,
  };
}

/** Remembers a person's name; their runs that started before it was known take it. */
function learnName(state: RunnerState, clientId: string, name: string): void {
  if (!name) return;
  state.names[clientId] = name;
  for (const entry of state.entries) if (entry.clientId === clientId) entry.runnerName ??= name;
}

function add(state: RunnerState, entry: RunEntry): void {
  state.entries = state.entries.filter((e) => e.key !== entry.key);
  state.entries.push(entry);
  if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
}

function append(entry: RunEntry, stream: RunStream, text: string): void {
  if (entry.truncated) return;
  const room = LOCAL_OUTPUT_LIMIT - entry.outputUnits;
  if (text.length > room) {
    text = text.slice(0, room);
    entry.truncated = true;
  }
  entry.outputUnits += text.length;
  const last = entry.output[entry.output.length - 1];
  if (last && last.stream === stream) last.text += text;
  else if (text) entry.output.push({ stream, text });
}

const find = (state: RunnerState, key: string) => state.entries.find((e) => e.key === key);

export const runnerSlice = createSlice({
  name: "runner",
  initialState: initialRunnerState,
  reducers: {
    localRunStarted(
      state,
      { payload }: PayloadAction<{ clientId: string; runId: string; language: string; version: number }>,
    ) {
      const entry = newEntry(state, payload.clientId, payload.runId, payload.language, payload.version, true);
      add(state, entry);
      state.activeKey = entry.key;
    },
    localOutput(state, { payload }: PayloadAction<{ key: string; stream: RunStream; text: string }>) {
      const entry = find(state, payload.key);
      if (entry) append(entry, payload.stream, payload.text);
    },
    localOutputTruncated(state, { payload }: PayloadAction<{ key: string }>) {
      const entry = find(state, payload.key);
      if (entry) entry.truncated = true;
    },
    localRunEnded(state, { payload }: PayloadAction<{ key: string; status: RunStatus; durationMs: number }>) {
      const entry = find(state, payload.key);
      if (entry) {
        entry.status = payload.status;
        entry.durationMs = payload.durationMs;
      }
      if (state.activeKey === payload.key) state.activeKey = null;
    },
    timeLimitSet(state, { payload }: PayloadAction<number>) {
      state.timeLimitMs = payload;
    },
    pyodideProgress(state, { payload }: PayloadAction<PyodideLoad>) {
      state.pyodide = payload;
    },
    consoleCleared(state) {
      state.entries = state.entries.filter((e) => e.key === state.activeKey);
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(helloReceived, (state, { payload }) => {
        for (const peer of payload.peers) learnName(state, peer.clientId, peer.name);
        const last: LastRun | null | undefined = payload.lastRun;
        if (!last) return;
        const known = find(state, runKey(last.clientId, last.runId));
        if (known) {
          // Seen live before a reconnect: the hello knows how it went on (run
          // messages are not replayed), unless it is this tab's own run.
          if (!known.mine) {
            known.status = last.status;
            known.durationMs = last.durationMs;
            known.output = [];
            known.outputUnits = 0;
            known.truncated = false;
            for (const piece of last.output) append(known, piece.stream, piece.text);
          }
          return;
        }
        const entry = newEntry(state, last.clientId, last.runId, last.language, last.version, false);
        entry.status = last.status;
        entry.durationMs = last.durationMs;
        entry.fromHello = true;
        for (const piece of last.output) append(entry, piece.stream, piece.text);
        add(state, entry);
        // Keep entries in the order runs started: an older live run stays above.
      })
      .addCase(runReceived, (state, { payload }) => {
        const key = runKey(payload.clientId, payload.runId);
        if (payload.event === "start") {
          add(state, newEntry(state, payload.clientId, payload.runId, payload.language, payload.version, false));
          return;
        }
        let entry = find(state, key);
        if (!entry) {
          // A run that started before this tab joined: shown from here on.
          entry = newEntry(state, payload.clientId, payload.runId, "?", -1, false);
          add(state, entry);
        }
        if (payload.event === "output") append(entry, payload.stream, payload.text);
        else {
          entry.status = payload.status;
          entry.durationMs = payload.durationMs;
        }
      })
      .addCase(presenceReceived, (state, { payload }) => learnName(state, payload.clientId, payload.name))
      .addCase(serverErrorReceived, (state, { payload }) => {
        if (payload.code !== "output_limit" || !state.activeKey) return;
        const entry = find(state, state.activeKey);
        if (entry) entry.sharedLimitHit = true;
      });
  },
});

export const {
  localRunStarted,
  localOutput,
  localOutputTruncated,
  localRunEnded,
  timeLimitSet,
  pyodideProgress,
  consoleCleared,
} = runnerSlice.actions;
