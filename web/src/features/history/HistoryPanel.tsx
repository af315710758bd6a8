/**
 * The timeline over the editor: a slider over every version the server still
 * has, play and pause, the text at the chosen version (read-only, the step's
 * changes marked), and "Restore this version". Peers' edits go on under it,
 * while this person's editor, covered, is out of reach; closing it returns there.
 */
import { EditorView } from "@codemirror/view";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { languageExtension } from "../room/languages";
import { historyApi, PAST_ANY_VERSION } from "./api";
import {
  boundsLoaded,
  headAdvanced,
  historyClosed,
  historyFailed,
  historyOpened,
  playStopped,
  playToggled,
  speedChosen,
  stepped,
  stepsLoaded,
  versionChosen,
} from "./historySlice";
import { firstChange, versionState } from "./historyView";
import { focusLiveView, restoreText } from "./liveView";
import { authorTicks, idleGaps, playbackDelay, SPEEDS, type Speed } from "./timeline";
import { PAGE_SIZE, VersionReader, type VersionView } from "./versionReader";

export function HistoryButton() {
  const dispatch = useAppDispatch();
  const open = useAppSelector((s) => s.history.open);
  return (
    <button
      type="button"
      className="button"
      data-testid="history-button"
      aria-pressed={open}
      onClick={() => dispatch(open ? historyClosed() : historyOpened())}
    >
      History
    </button>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function HistoryPanel({ roomId }: { roomId: string }) {
  const dispatch = useAppDispatch();
  const { oldest, head, version, ready, playing, speed, steps, error } = useAppSelector((s) => s.history);
  const language = useAppSelector((s) => s.room.language);
  // Every version the editor has synced is stored: the timeline reaches it.
  const live = useAppSelector((s) => s.room.version);
  // A view-only link may look back but not restore: only an editor pushes.
  const canRestore = useAppSelector((s) => s.room.role !== "viewer");
  const api = useMemo(() => historyApi(roomId), [roomId]);
  const host = useRef<HTMLDivElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const readerRef = useRef<VersionReader | null>(null);
  const [shown, setShown] = useState<VersionView | null>(null);

  const refreshBounds = useMemo(
    () => async () => {
      try {
        const page = await api.history(PAST_ANY_VERSION, 1);
        if (!readerRef.current) {
          readerRef.current = new VersionReader(api, page.oldest, (loaded) => dispatch(stepsLoaded(loaded)));
        }
        dispatch(boundsLoaded({ oldest: page.oldest, head: page.version }));
      } catch (e) {
        dispatch(historyFailed((e as Error).message));
      }
    },
    [api, dispatch],
  );

  useEffect(() => {
    void refreshBounds();
  }, [refreshBounds]);

  // A dialog over the editor: the keyboard moves into it, and back to the editor
  // however it closes. Only once the panel is gone (this cleanup) is the editor no
  // longer inert, and so able to take the focus.
  useEffect(() => {
    root.current?.focus();
    return focusLiveView;
  }, []);

  useEffect(() => {
    if (live > head) dispatch(headAdvanced(live));
  }, [live, head, dispatch]);

  useEffect(() => {
    const view = new EditorView({ parent: host.current! });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // Show the chosen version (a stale answer, after the slider moved on, is dropped).
  useEffect(() => {
    const reader = readerRef.current;
    if (!ready || !reader) return;
    let current = true;
    reader
      .read(version)
      .then((view) => {
        if (!current || !viewRef.current) return;
        setShown(view);
        viewRef.current.setState(versionState(view.doc, view.changes, languageExtension(language)));
        const at = firstChange(view.changes);
        if (at !== null) viewRef.current.dispatch({ effects: EditorView.scrollIntoView(at, { y: "center" }) });
        // Fetch the next page before playback or scrubbing reaches it.
        const ahead = Math.min(version + PAGE_SIZE / 5, head);
        if (reader.pageStart(ahead) !== reader.pageStart(version)) void reader.read(ahead).catch(() => {});
      })
      .catch((e: Error) => current && dispatch(historyFailed(e.message)));
    return () => {
      current = false;
    };
  }, [ready, version, head, language, dispatch]);

  // Playback: the next step once this one is on screen.
  useEffect(() => {
    if (!playing || shown?.version !== version) return;
    if (version >= head) {
      dispatch(playStopped());
      return;
    }
    const timer = setTimeout(() => dispatch(stepped(1)), playbackDelay(steps[version], steps[version + 1], speed));
    return () => clearTimeout(timer);
  }, [playing, shown, version, head, speed, steps, dispatch]);

  const ordered = useMemo(() => Object.values(steps).sort((a, b) => a.version - b.version), [steps]);
  const ticks = useMemo(() => authorTicks(ordered), [ordered]);
  const gaps = useMemo(() => idleGaps(ordered), [ordered]);
  const span = Math.max(head - oldest, 1);
  const place = (v: number) => `${((v - oldest) / span) * 100}%`;
  const step = steps[version];

  const onKeyDown = (event: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => dispatch(stepped(-1)),
      ArrowDown: () => dispatch(stepped(-1)),
      ArrowRight: () => dispatch(stepped(1)),
      ArrowUp: () => dispatch(stepped(1)),
      Home: () => dispatch(versionChosen(oldest)),
      End: () => {
        dispatch(versionChosen(head));
        void refreshBounds().then(() => dispatch(versionChosen(Number.MAX_SAFE_INTEGER)));
      },
      Escape: close,
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    if (event.key !== "Escape") dispatch(playStopped());
    action();
  };

  const close = () => dispatch(historyClosed());

  const restore = () => {
    if (!shown) return;
    if (restoreText(shown.doc.toString())) dispatch(historyClosed());
  };

  return (
    <div
      className="history-panel"
      data-testid="history-panel"
      data-version={shown?.version ?? ""}
      data-head={ready ? head : ""}
      data-playing={playing}
      ref={root}
      tabIndex={-1}
      onKeyDown={onKeyDown}
      role="dialog"
      aria-label="History"
    >
      <div className="history-controls">
        <div className="history-control-group">
          <button type="button" className="button" data-testid="history-play" onClick={() => dispatch(playToggled())} disabled={!ready}>
            {playing ? "Pause" : "Play"}
          </button>
          <select
            className="button"
            data-testid="history-speed"
            aria-label="Playback speed"
            value={speed}
            onChange={(e) => dispatch(speedChosen(Number(e.target.value) as Speed))}
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </div>
        <div className="history-timeline">
          <input
            type="range"
            data-testid="history-slider"
            aria-label="Version"
            min={oldest}
            max={head}
            value={version}
            disabled={!ready}
            onChange={(e) => {
              dispatch(playStopped());
              dispatch(versionChosen(Number(e.target.value)));
            }}
          />
          <div className="history-marks" aria-hidden="true">
            {gaps.map((g) => (
              <span key={`g${g.from}`} className="history-gap" style={{ left: place(g.from), width: `max(3px, ${place(oldest + g.to - g.from)})` }} title="idle" />
            ))}
            {ticks.map((v) => (
              <span key={`t${v}`} className="history-tick" style={{ left: place(v) }} />
            ))}
          </div>
          <div className="history-meta" data-testid="history-meta">
            <span>
              version {version} of {head}
            </span>
            <span>{step ? timeFormat.format(new Date(step.at)) : version === 0 ? "created" : ""}</span>
            <span data-testid="history-author">{step ? step.name : ""}</span>
          </div>
        </div>
        <div className="history-control-group history-actions">
          {canRestore && (
            <button type="button" className="button button-primary" data-testid="history-restore" onClick={restore} disabled={!shown || shown.version !== version}>
              Restore this version
            </button>
          )}
          <button type="button" className="button" data-testid="history-close" onClick={close}>
            Close
          </button>
        </div>
      </div>
      {error && (
        <div className="notice" role="alert" data-testid="history-error">
          {error}
        </div>
      )}
      <div className="history-text" ref={host} />
    </div>
  );
}
