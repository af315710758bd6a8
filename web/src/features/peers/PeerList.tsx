import { useAppDispatch, useAppSelector } from "../../app/hooks";
import { followStarted, followStopped, followTypistStarted } from "../follow/followSlice";
import { safeColor } from "./colors";
import { NameField } from "./NameField";
import { selectPeerList } from "./peersSlice";

/**
 * Who is in the room: this person first (name editable), then the editors in
 * their colours (click one to follow them), then how many watch.
 */
export function PeerList() {
  const dispatch = useAppDispatch();
  const peers = useAppSelector(selectPeerList);
  const myColor = useAppSelector((s) => s.peers.myColor);
  const viewers = useAppSelector((s) => s.room.viewers);
  const { target, auto } = useAppSelector((s) => s.follow);
  const followedName = peers.find((p) => p.clientId === target)?.name;
  return (
    <ul className="peers" data-testid="peer-list" aria-label="People in this room">
      <li className="peer peer-self" title="You: your name as others see it">
        <span className="peer-dot" style={{ backgroundColor: myColor ? safeColor(myColor) : undefined }} />
        <NameField />
      </li>
      {peers.map((peer) => {
        const followed = peer.clientId === target;
        return (
          <li key={peer.clientId} className="peer" data-testid="peer" data-client-id={peer.clientId}>
            <button
              type="button"
              className={`peer-follow ${followed ? "peer-followed" : ""}`}
              data-following={followed}
              aria-pressed={followed}
              title={followed ? `Following ${peer.name}: click to stop` : `Follow ${peer.name}`}
              onClick={() => dispatch(followed ? followStopped() : followStarted(peer.clientId))}
            >
              <span className="peer-dot" style={{ backgroundColor: safeColor(peer.color) }} />
              {peer.name}
            </button>
          </li>
        );
      })}
      {(target !== null || auto) && (
        <li className="peer follow-status" data-testid="follow-status" data-auto={auto}>
          {followedName ? `Following ${followedName}` : "Following whoever types"}
          <button type="button" className="link-button" onClick={() => dispatch(followStopped())}>
            Stop
          </button>
        </li>
      )}
      {target === null && !auto && peers.length > 0 && (
        <li className="peer">
          <button
            type="button"
            className="link-button"
            data-testid="follow-typist"
            title="Scroll along with whoever is typing"
            onClick={() => dispatch(followTypistStarted())}
          >
            Follow typist
          </button>
        </li>
      )}
      <li className="peer viewer-count" data-testid="viewer-count" data-count={viewers}>
        {viewers} watching
      </li>
    </ul>
  );
}
