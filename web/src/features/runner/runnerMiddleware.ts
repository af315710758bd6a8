/**
 * Runs the room's code when asked: in the sandbox frame, never in this page.
 * While the run goes it coalesces what the code writes (about every 50 ms),
 * shows it here and shares it with the room through the socket (`run` start,
 * output in pieces of at most 1,024 UTF-16 units, end), and it ends the run
 * at the time limit, on Stop, or when the room's output limit is reached, by
 * having the sandbox terminate the worker.
 */
import { createAction, type Middleware } from "@reduxjs/toolkit";
import type { RunOutputPiece, RunStatus } from "../../protocol/messages";
import type { FromSandbox } from "../../sandbox/protocol";
import {
  connectRequested,
  disconnectRequested,
  messageSent,
  serverErrorReceived,
  socketClosed,
} from "../connection/actions";
import { readSyncedDocument, type RunnableDocument } from "./documentSource";
import { runsIn, stripTypes } from "./languages";
import { utf8Length } from "../room/documentRules";
import { OutputCoalescer } from "./outputChunks";
import { pyodideFiles } from "./pyodideFiles";
import {
  localOutput,
  localOutputTruncated,
  localRunEnded,
  localRunStarted,
  pyodideProgress,
  runKey,
  type RunnerState,
} from "./runnerSlice";
import { SandboxFrame } from "./sandboxFrame";

export const runRequested = createAction("runner/runRequested");
export const stopRequested = createAction("runner/stopRequested");

/** The room's shared output limit (PROTOCOL.md): the server refuses output past it. */
export const SHARED_OUTPUT_LIMIT = 64 * 1024;
export const FLUSH_MS = 50;

interface RunnerView {
  connection: { status: string };
  room: { language: string; clientId: string | null };
  peers: { selfId: string | null };
  runner: RunnerState;
}

interface ActiveRun {
  key: string;
  runId: string;
  /**
   * The room hears of this run: false once the socket that started it closed
   * (its server then ended the run as `interrupted` for everyone).
   */
  shared: boolean;
  started: number;
  output: OutputCoalescer;
  sharedBytes: number;
  python: boolean;
  flushTimer: ReturnType<typeof setInterval>;
  limitTimer: ReturnType<typeof setTimeout> | null;
  /** When the code began to run: the time limit and the duration count from
   * here, so that loading Python the first time counts against neither. */
  running: number | null;
}

const newRunId = () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);

export function createRunnerMiddleware(): Middleware<{}, RunnerView> {
  return (api) => {
    let frame: SandboxFrame | null = null;
    let active: ActiveRun | null = null;
    // True while a Run waits for this person's edits to be confirmed (documentSource).
    let starting = false;

    const flush = (run: ActiveRun) => {
      const pieces = run.output.take(performance.now());
      // One dispatch per stream change for this page, however many messages for the room.
      let shown: { stream: RunOutputPiece["stream"]; text: string } | null = null;
      for (const piece of pieces) {
        if (shown && shown.stream === piece.stream) shown.text += piece.text;
        else {
          if (shown) api.dispatch(localOutput({ key: run.key, ...shown }));
          shown = { ...piece };
        }
      }
      if (shown) api.dispatch(localOutput({ key: run.key, ...shown }));
      for (const piece of pieces) {
        // Past the limit the server answers the first message with `output_limit`
        // and drops the rest: send that one, then nothing more.
        if (!run.shared || run.sharedBytes > SHARED_OUTPUT_LIMIT) continue;
        run.sharedBytes += utf8Length(piece.text); // as the server counts the 64 KiB
        api.dispatch(messageSent({ type: "run", event: "output", runId: run.runId, ...piece }));
      }
    };

    const finish = (run: ActiveRun, status: RunStatus) => {
      if (active !== run) return;
      active = null;
      clearInterval(run.flushTimer);
      if (run.limitTimer !== null) clearTimeout(run.limitTimer);
      frame?.forget(run.runId);
      // A run stopped before its code began lasted from the press of Run.
      const durationMs = Math.round(performance.now() - (run.running ?? run.started));
      try {
        flush(run);
      } finally {
        // Whatever the last output did, the run ends: here and for the room.
        if (run.shared) api.dispatch(messageSent({ type: "run", event: "end", runId: run.runId, status, durationMs }));
        api.dispatch(localRunEnded({ key: run.key, status, durationMs }));
      }
      // Terminating the worker took the loaded interpreter with it.
      if (run.python && status !== "ok" && status !== "error") {
        api.dispatch(pyodideProgress({ phase: "idle", loaded: 0, total: 0 }));
      }
    };

    // The code has begun: its duration and its time limit count from now.
    const codeStarted = (run: ActiveRun) => {
      if (run.limitTimer !== null) return;
      run.running = performance.now();
      run.limitTimer = setTimeout(() => {
        frame?.stop(run.runId);
        run.output.push("stderr", `\n[stopped: the ${api.getState().runner.timeLimitMs / 1000} s time limit passed]\n`);
        finish(run, "timeout");
      }, api.getState().runner.timeLimitMs);
    };

    const onSandbox = (run: ActiveRun, message: FromSandbox) => {
      if (active !== run) return;
      switch (message.kind) {
        case "output":
          run.output.push(message.stream, message.text);
          // The first output after a quiet spell goes at once; the rest waits for the timer.
          if (run.output.due(performance.now())) flush(run);
          break;
        case "truncated":
          flush(run); // what came before the cut is kept
          api.dispatch(localOutputTruncated({ key: run.key }));
          break;
        case "phase":
          if (message.phase === "starting-python") {
            api.dispatch(pyodideProgress({ ...api.getState().runner.pyodide, phase: "starting" }));
          } else {
            if (api.getState().runner.pyodide.phase !== "ready") {
              api.dispatch(pyodideProgress({ ...api.getState().runner.pyodide, phase: "ready" }));
            }
            codeStarted(run);
          }
          break;
        case "need-pyodide":
          if (frame) frame.hasPyodide = false;
          run.output.push("stderr", "the sandbox lost Python; press Run again\n");
          finish(run, "error");
          break;
        case "done":
          finish(run, message.status);
          break;
      }
    };

    const start = async () => {
      if (active || starting) return;
      starting = true;
      let doc: RunnableDocument | null;
      try {
        doc = await readSyncedDocument();
      } finally {
        starting = false;
      }
      const state = api.getState();
      const target = runsIn(state.room.language);
      const clientId = state.peers.selfId ?? state.room.clientId;
      // A run starts only on a live socket: the room must hear its start.
      if (active || !target || !doc || !clientId || state.connection.status !== "connected") return;
      const runId = newRunId();
      const run: ActiveRun = {
        key: runKey(clientId, runId),
        runId,
        shared: true,
        started: performance.now(),
        output: new OutputCoalescer(FLUSH_MS),
        sharedBytes: 0,
        python: target === "python",
        flushTimer: setInterval(() => flush(run), FLUSH_MS),
        limitTimer: null,
        running: null,
      };
      active = run;
      const language = state.room.language;
      api.dispatch(localRunStarted({ clientId, runId, language, version: doc.version }));
      api.dispatch(messageSent({ type: "run", event: "start", runId, language, version: doc.version }));
      try {
        const code = language === "typescript" ? await stripTypes(doc.text) : doc.text;
        frame ??= new SandboxFrame();
        let files;
        if (target === "python" && !frame.hasPyodide) {
          let shown = 0;
          api.dispatch(pyodideProgress({ phase: "downloading", loaded: 0, total: 0 }));
          files = await pyodideFiles((loaded, total) => {
            // A progress bar needs no more than about a hundred steps.
            if (total && loaded - shown < total / 100 && loaded < total) return;
            shown = loaded;
            api.dispatch(pyodideProgress({ phase: "downloading", loaded, total }));
          });
        }
        if (active !== run) {
          // Stopped while Python was loading: the files are kept for the next run.
          api.dispatch(pyodideProgress({ phase: "idle", loaded: 0, total: 0 }));
          return;
        }
        // Stopped while the sandbox came up: nothing is posted, so nothing runs.
        const posted = await frame.run(runId, target, code, { onMessage: (m) => onSandbox(run, m) }, () => active === run, files);
        if (posted && target === "javascript") codeStarted(run);
      } catch (error) {
        if (target === "python" && api.getState().runner.pyodide.phase !== "ready") {
          api.dispatch(pyodideProgress({ phase: "failed", loaded: 0, total: 0 }));
        }
        run.output.push("stderr", `${error instanceof Error ? error.message : String(error)}\n`);
        finish(run, "error");
      }
    };

    return (next) => (action) => {
      if (runRequested.match(action)) {
        void start();
        return next(action);
      }
      if (stopRequested.match(action)) {
        const run = active;
        if (run) {
          frame?.stop(run.runId);
          run.output.push("stderr", "\n[stopped]\n");
          finish(run, "stopped");
        }
        return next(action);
      }
      // The socket that started the run is gone (its server told the room the run
      // was interrupted) or the page leaves the room: stop it here too, and say
      // nothing more on a socket that did not start it.
      if (socketClosed.match(action) || connectRequested.match(action) || disconnectRequested.match(action)) {
        const run = active;
        if (run) {
          frame?.stop(run.runId);
          run.shared = false;
          run.output.push("stderr", "\n[interrupted: the connection to the room closed]\n");
          finish(run, "interrupted");
        }
        return next(action);
      }
      // The room stopped taking this run's output (PROTOCOL.md: the client then
      // ends the run), so running on would only show this page what no one else sees.
      if (serverErrorReceived.match(action) && action.payload.code === "output_limit") {
        const result = next(action);
        const run = active;
        if (run) {
          frame?.stop(run.runId);
          run.output.push("stderr", "\n[stopped: the room shares a run's first 64 KiB of output]\n");
          finish(run, "stopped");
        }
        return result;
      }
      return next(action);
    };
  };
}
