import { useAppSelector } from "../../app/hooks";

/** Says, next to the connection status, that this link only watches. */
export function ViewOnlyBadge() {
  const viewer = useAppSelector((s) => s.room.role === "viewer");
  if (!viewer) return null;
  return (
    <span className="view-only" data-testid="view-only" title="This link only watches the room: editing is off">
      View only
    </span>
  );
}
