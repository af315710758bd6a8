-- Each output message of a shared run (PROTOCOL.md `run`), stored by the
-- statement that relays it. A process that opens a room mid-run LISTENs first
-- and then reads these rows: every piece relayed before it listened is here,
-- every later one reaches it as a note, and none falls between the two (as
-- with `updates`). Until this table, the output lived in `rooms.last_run`,
-- rewritten at most once a second, and a process that opened the room in
-- between never had the pieces relayed since the last write.
-- `rooms.last_run` keeps the run's start and end; its output is these rows of
-- its key. A run's start deletes the rows of the runs before it.
CREATE TABLE run_output (
    room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    run_key text NOT NULL,
    seq     integer NOT NULL CHECK (seq >= 0),
    -- {"stream", "text"}: json, not text, because a program may print U+0000.
    piece   json NOT NULL,
    PRIMARY KEY (room_id, run_key, seq)
);
