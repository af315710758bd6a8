-- How many viewer sockets each process has in each room. A `hello` counts the
-- room's viewers across all processes (PROTOCOL.md v2); the count notes on the
-- room's channel keep the processes that serve the room up to date, but a
-- process that opens the room later has heard none of them. Every count note is
-- written here too, in the statement that sends it (on each change, at most once
-- a second, and on every presence heartbeat), and a process opening a room reads
-- the others' rows first. Rows not noted within the presence expiry belong to
-- dead processes: readers skip them and the sweep deletes them.
-- Soft state, like the limits' tables: UNLOGGED.
CREATE UNLOGGED TABLE room_viewers (
    room_id  text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    process  text NOT NULL,
    viewers  integer NOT NULL CHECK (viewers > 0),
    noted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, process)
);
