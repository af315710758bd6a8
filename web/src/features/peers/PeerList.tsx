import { useAppSelector } from "../../app/hooks";
import { safeColor } from "./colors";
import { NameField } from "./NameField";
import { selectPeerList } from "./peersSlice";

/** Who is in the room: this person first (name editable), then the others in their colours. */
export function PeerList() {
  const peers = useAppSelector(selectPeerList);
  const myColor = useAppSelector((s) => s.peers.myColor);
  return (
    <ul className="peers" data-testid="peer-list" aria-label="People in this room">
      <li className="peer peer-self" title="You: your name as others see it">
        <span className="peer-dot" style={{ backgroundColor: myColor ? safeColor(myColor) : undefined }} />
        <NameField />
      </li>
      {peers.map((peer) => (
        <li key={peer.clientId} className="peer" data-testid="peer" data-client-id={peer.clientId}>
          <span className="peer-dot" style={{ backgroundColor: safeColor(peer.color) }} />
          {peer.name}
        </li>
      ))}
    </ul>
  );
}
