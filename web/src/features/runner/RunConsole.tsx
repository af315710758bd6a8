/**
 * The shared console under the editor: one entry per run, newest at the bottom,
 * stdout and stderr told apart, with who ran what, at which version, how it
 * ended and how long it took. The panel's height is dragged by its top edge, or
 * keyed there (arrow keys, Page Up/Down, Home, End) once it has the focus.
 */
import {
  useEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
} from "react";
import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { clampConsoleHeight, consoleBounds, defaultConsoleHeight, keyedConsoleHeight } from "./consoleHeight";
import { consoleCleared, LOCAL_OUTPUT_LIMIT, type PyodideLoad, type RunEntry } from "./runnerSlice";

const STATUS_TEXT: Record<string, string> = {
  ok: "finished",
  error: "failed",
  timeout: "timed out",
  stopped: "stopped",
  interrupted: "interrupted (the runner left)",
};

function PyodideProgress({ load }: { load: PyodideLoad }) {
  if (load.phase !== "downloading" && load.phase !== "starting") return null;
  const value = load.total ? load.loaded / load.total : 0;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return (
    <div className="pyodide-progress" data-testid="pyodide-progress" role="status">
      {load.phase === "downloading"
        ? `Loading Python (first run only; about ${mb(load.total || 13e6)} MB) — ${mb(load.loaded)} MB`
        : "Starting Python…"}
      <progress max={1} value={load.phase === "starting" ? undefined : value} />
    </div>
  );
}

function useViewportHeight(): number {
  const [viewportHeight, setViewportHeight] = useState(window.innerHeight);
  useEffect(() => {
    const resized = () => setViewportHeight(window.innerHeight);
    window.addEventListener("resize", resized);
    return () => window.removeEventListener("resize", resized);
  }, []);
  return viewportHeight;
}

function Entry({ entry, whoName, currentVersion }: { entry: RunEntry; whoName: string; currentVersion: number }) {
  const status = entry.status === null ? "running…" : STATUS_TEXT[entry.status];
  const duration = entry.durationMs === null ? "" : ` in ${(entry.durationMs / 1000).toFixed(2)} s`;
  const stale = entry.version >= 0 && entry.version !== currentVersion;
  return (
    <section className="run-entry" data-testid="run-entry" data-run-key={entry.key} data-status={entry.status ?? "running"}>
      <header className="run-entry-header">
        <strong>{whoName}</strong> ran {entry.language === "?" ? "code" : entry.language}
        {entry.version >= 0 &&
          (stale ? (
            <span className="run-stale" data-testid="run-version">
              {" "}
              — ran version {entry.version}; the text has changed since
            </span>
          ) : (
            <span data-testid="run-version"> at version {entry.version}</span>
          ))}
        {entry.fromHello && <span className="muted"> — the room's last run</span>}
        <span className={`run-status run-status-${entry.status ?? "running"}`} data-testid="run-status">
          {" "}
          {status}
          {duration}
        </span>
      </header>
      <pre className="run-output" data-testid="run-output">
        {entry.output.map((piece, i) => (
          <span key={i} className={piece.stream === "stderr" ? "run-stderr" : "run-stdout"} data-stream={piece.stream}>
            {piece.text}
          </span>
        ))}
      </pre>
      {entry.truncated && (
        <p className="muted run-note">
          Output cut here: the console keeps the first {LOCAL_OUTPUT_LIMIT / 1024} Ki characters of a run.
        </p>
      )}
      {entry.sharedLimitHit && (
        <p className="muted run-note" data-testid="shared-limit">
          The room saw only the first 64 KiB of this output; the rest is shown here only.
        </p>
      )}
    </section>
  );
}

export function RunConsole() {
  const dispatch = useAppDispatch();
  const entries = useAppSelector((s) => s.runner.entries);
  const pyodide = useAppSelector((s) => s.runner.pyodide);
  const peers = useAppSelector((s) => s.peers.byId);
  const selfId = useAppSelector((s) => s.peers.selfId);
  const version = useAppSelector((s) => s.room.version);
  const viewportHeight = useViewportHeight();
  // Null until resized: the default follows the window.
  const [chosenHeight, setChosenHeight] = useState<number | null>(null);
  const height =
    chosenHeight === null ? defaultConsoleHeight(viewportHeight) : clampConsoleHeight(chosenHeight, viewportHeight);
  const bounds = consoleBounds(viewportHeight);
  const body = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = body.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries]);

  const startDrag = (event: ReactPointerEvent<HTMLDivElement>) => {
    const startY = event.clientY;
    const startHeight = height;
    const move = (e: PointerEvent) =>
      setChosenHeight(clampConsoleHeight(startHeight + startY - e.clientY, window.innerHeight));
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };

  const resizeByKey = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const next = keyedConsoleHeight(event.key, event.shiftKey, height, viewportHeight);
    if (next === null) return;
    event.preventDefault(); // the keys would scroll the page
    setChosenHeight(next);
  };

  const nameOf = ({ clientId, runnerName }: RunEntry) =>
    clientId === selfId ? "You" : runnerName || peers[clientId]?.name || `someone (${clientId.slice(0, 6)})`;

  return (
    <div className="run-console" data-testid="run-console" style={{ height }}>
      <div
        className="run-console-resize"
        role="separator"
        aria-orientation="horizontal"
        aria-label="Resize the console"
        aria-valuenow={height}
        aria-valuemin={bounds.min}
        aria-valuemax={bounds.max}
        aria-valuetext={`${height} pixels tall`}
        tabIndex={0}
        onPointerDown={startDrag}
        onKeyDown={resizeByKey}
      />
      <div className="run-console-bar">
        <span>Console</span>
        <div className="spacer" />
        <button type="button" className="link-button" onClick={() => dispatch(consoleCleared())}>
          Clear
        </button>
      </div>
      <PyodideProgress load={pyodide} />
      <div className="run-console-body" ref={body}>
        {entries.length === 0 && <p className="muted">Press Run: the output shows here, for everyone in the room.</p>}
        {entries.map((entry) => (
          <Entry key={entry.key} entry={entry} whoName={nameOf(entry)} currentVersion={version} />
        ))}
      </div>
    </div>
  );
}
