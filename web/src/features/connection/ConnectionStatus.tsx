import { useEffect, useState } from "react";
import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { retryNowRequested } from "./actions";

function useNow(active: boolean, intervalMs = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Whether every edit of ours is on the server and, once one has been, how long the
 * last one took there and back (push sent → its update echoed): "synced · 12 ms".
 */
export function syncLabel(pending: number, roundTripMs: number | null): string {
  if (pending > 0) return `${plural(pending, "edit")} not yet saved`;
  return roundTripMs === null ? "synced" : `synced · ${Math.round(roundTripMs)} ms`;
}

/** Where the connection stands and whether every edit of ours is on the server. */
export function ConnectionStatus() {
  const dispatch = useAppDispatch();
  const { status, retryAt } = useAppSelector((s) => s.connection);
  const pending = useAppSelector((s) => s.room.pending);
  const roundTripMs = useAppSelector((s) => s.room.roundTripMs);
  const loaded = useAppSelector((s) => s.room.loaded);
  const waiting = status === "reconnecting" || status === "offline";
  const now = useNow(waiting && retryAt !== null);
  const seconds = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));

  // The countdown is left out of what screen readers announce: it changes every second.
  let label: string;
  let countdown = "";
  switch (status) {
    case "connected":
      label = "Connected";
      break;
    case "connecting":
      label = loaded ? "Reconnecting…" : "Connecting…";
      break;
    case "reconnecting":
      label = "Reconnecting";
      countdown = seconds > 0 ? ` in ${seconds}s` : "…";
      break;
    case "offline":
      label = "Offline";
      countdown = seconds > 0 ? ` · retrying in ${seconds}s` : "";
      break;
    case "stopped":
      label = "Disconnected";
      break;
    default:
      label = "Not connected";
  }
  const sync = syncLabel(pending, roundTripMs);

  return (
    <div className="status" role="status" aria-live="polite">
      <span className={`status-dot status-${status}`} aria-hidden="true" />
      <span data-testid="connection-status" data-status={status}>
        {label}
        {countdown && <span aria-hidden="true">{countdown}</span>}
      </span>
      {loaded && (
        <span
          className={`sync ${pending ? "sync-pending" : ""}`}
          data-testid="sync-status"
          data-pending={pending}
          data-round-trip-ms={roundTripMs ?? undefined}
          title="Round trip of your last edit: sent to the server, stored, and echoed back"
        >
          · {sync}
        </span>
      )}
      {waiting && (
        <button type="button" className="link-button" onClick={() => dispatch(retryNowRequested())}>
          Retry now
        </button>
      )}
    </div>
  );
}
