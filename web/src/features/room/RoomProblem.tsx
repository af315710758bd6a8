import type { StopReason } from "../connection/backoff";

const TEXT: Record<Exclude<StopReason, "replaced">, { title: string; body: string }> = {
  room_not_found: {
    title: "This room does not exist",
    body: "The link may be mistyped, or the room was never created on this server.",
  },
  invalid_room: {
    title: "This is not a room link",
    body: "A room id is 8 to 58 letters, digits, dashes or underscores.",
  },
  forbidden: {
    title: "The server refused the connection",
    body: "It does not accept connections from this page's address.",
  },
};

/** A page instead of the editor when there is no room to show. */
export function RoomProblem({ reason, roomId }: { reason: Exclude<StopReason, "replaced">; roomId: string }) {
  const { title, body } = TEXT[reason];
  return (
    <main className="problem" data-testid="room-problem" data-reason={reason}>
      <h1>{title}</h1>
      <p>{body}</p>
      <p className="muted">
        Room: <code>{roomId}</code>
      </p>
      <p>
        <a className="button button-primary" href="/">
          Start a new room
        </a>
      </p>
    </main>
  );
}
