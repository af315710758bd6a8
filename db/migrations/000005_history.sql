-- History: every version of a room can be read back (PROTOCOL.md `history`,
-- `versions/{v}`). The update log is kept (by default forever); checkpoints
-- bound how much of it a reader replays; author spans name each update's
-- author without a name per row. Additive only, so it applies on a live
-- database: two new tables, filled from `rooms` in this migration's
-- transaction.

-- The text of a room at some versions. Written where the room folds, spaced
-- with the document's size, so that reaching any version replays a bounded
-- number of updates. From this migration on, the newest checkpoint is the
-- room's snapshot: `rooms.snapshot` keeps the text it had here (for a new
-- room, its first text) and is no longer rewritten. The lowest checkpoint is
-- the room's `oldest` version: every update after it is kept.
CREATE TABLE checkpoints (
    room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    version bigint NOT NULL CHECK (version >= 0),
    text    text NOT NULL,
    -- When this version came to be: its update's time (the room's creation for 0).
    at      timestamptz NOT NULL,
    PRIMARY KEY (room_id, version)
);

-- Each room's snapshot becomes its first checkpoint. The updates a room still
-- has behind it cannot be reached without the text before them, so its history
-- starts at the snapshot.
INSERT INTO checkpoints (room_id, version, text, at)
SELECT r.id, r.snapshot_version, r.snapshot,
       coalesce((SELECT u.created_at FROM updates u
                 WHERE u.room_id = r.id AND u.version = r.snapshot_version),
                CASE WHEN r.snapshot_version = 0 THEN r.created_at ELSE r.folded_at END)
FROM rooms r;

-- Who wrote which updates: from `from_version` on, the updates of `client_id`
-- in the room carry `name`. A row is written when a client first pushes
-- through a process, or pushes after changing its name, never per keystroke.
-- A span whose push lost a race names nobody's update and is harmless.
CREATE TABLE authors (
    room_id      text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    client_id    text NOT NULL,
    from_version bigint NOT NULL CHECK (from_version > 0),
    name         text NOT NULL,
    PRIMARY KEY (room_id, client_id, from_version)
);
