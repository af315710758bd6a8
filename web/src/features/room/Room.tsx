import { useEffect } from "react";
import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { clientId } from "../../app/identity";
import { ROOM_ID_PATTERN } from "../../protocol/messages";
import { connectRequested, disconnectRequested } from "../connection/actions";
import { ConnectionStatus } from "../connection/ConnectionStatus";
import { HistoryButton, HistoryPanel } from "../history/HistoryPanel";
import { PeerList } from "../peers/PeerList";
import { CopyLinkButton } from "./CopyLinkButton";
import { Editor } from "./Editor";
import { LanguageSelect } from "./LanguageSelect";
import { RoomProblem } from "./RoomProblem";
import { ViewOnlyBadge } from "./ViewOnlyBadge";
import { RunConsole } from "../runner/RunConsole";
import { RunControls } from "../runner/RunControls";
import { noticeDismissed } from "./roomSlice";

function Notices({ roomId }: { roomId: string }) {
  const dispatch = useAppDispatch();
  const notice = useAppSelector((s) => s.room.notice);
  const replaced = useAppSelector((s) => s.connection.stopReason === "replaced");
  return (
    <>
      {replaced && (
        <div className="notice notice-warning" role="alert" data-testid="replaced-notice">
          This room was opened in another tab with the same identity, so this tab was disconnected.
          <button
            type="button"
            className="link-button"
            onClick={() => dispatch(connectRequested({ roomId, clientId: clientId() }))}
          >
            Use it here
          </button>
        </div>
      )}
      {notice && (
        <div className="notice" role="alert" data-testid="notice">
          {notice}
          <button type="button" className="link-button" onClick={() => dispatch(noticeDismissed())}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

export function Room({ roomId }: { roomId: string }) {
  const dispatch = useAppDispatch();
  const valid = ROOM_ID_PATTERN.test(roomId);
  const stopReason = useAppSelector((s) => s.connection.stopReason);
  const historyOpen = useAppSelector((s) => s.history.open);

  // After the Editor's own effect (children first), so that it hears the first hello.
  useEffect(() => {
    if (!valid) return;
    dispatch(connectRequested({ roomId, clientId: clientId() }));
    return () => {
      dispatch(disconnectRequested());
    };
  }, [dispatch, roomId, valid]);

  if (!valid) return <RoomProblem reason="invalid_room" roomId={roomId} />;
  if (stopReason && stopReason !== "replaced") return <RoomProblem reason={stopReason} roomId={roomId} />;

  return (
    <div className="room" data-testid="room" data-room-id={roomId}>
      <header className="room-header">
        <a className="brand" href="/" title="Pairpad home">
          Pairpad
        </a>
        <LanguageSelect />
        <RunControls />
        <CopyLinkButton roomId={roomId} />
        <HistoryButton />
        <ConnectionStatus />
        <ViewOnlyBadge />
        <div className="spacer" />
        <PeerList />
      </header>
      <Notices roomId={roomId} />
      <div className="room-body">
        <Editor covered={historyOpen} />
        {historyOpen && <HistoryPanel roomId={roomId} />}
      </div>
      <RunConsole />
    </div>
  );
}
