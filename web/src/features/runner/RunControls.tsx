import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { runsIn } from "./languages";
import { runRequested, stopRequested } from "./runnerMiddleware";

/** Run and Stop, beside the language: what runs where is said, never failed silently. */
export function RunControls() {
  const dispatch = useAppDispatch();
  const language = useAppSelector((s) => s.room.language);
  const loaded = useAppSelector((s) => s.room.loaded && s.connection.status === "connected");
  const running = useAppSelector((s) => s.runner.activeKey !== null);
  const limit = useAppSelector((s) => s.runner.timeLimitMs);
  const runnable = runsIn(language) !== null;
  // A view-only link watches the room's runs in the console; it cannot start one.
  const watching = useAppSelector((s) => s.room.role === "viewer");
  if (watching) return null;
  const title = runnable
    ? `Run the ${language} code in this browser's sandbox (time limit ${limit / 1000} s); the room sees the output`
    : `${language} does not run anywhere yet: Pairpad runs Python, JavaScript and TypeScript`;
  return (
    <div className="run-controls">
      <button
        type="button"
        className="button button-primary"
        data-testid="run-button"
        disabled={!runnable || !loaded || running}
        title={title}
        onClick={() => dispatch(runRequested())}
      >
        ▶ Run
      </button>
      <button
        type="button"
        className="button"
        data-testid="stop-button"
        disabled={!running}
        title="Stop the run now"
        onClick={() => dispatch(stopRequested())}
      >
        ■ Stop
      </button>
      {runnable ? (
        <span className="muted run-limit" data-testid="run-limit">
          limit {limit / 1000} s
        </span>
      ) : (
        <span className="muted run-limit" data-testid="run-unsupported">
          {language} does not run anywhere yet
        </span>
      )}
    </div>
  );
}
