-- Rooms and their update log. The version check is the primary key of
-- `updates`: two processes that race to store the same version of a room
-- cannot both win, whatever they believed the current version was.

-- A room: its language and a snapshot of its text at `snapshot_version`.
-- The text at any later version is the snapshot plus the updates after it.
CREATE TABLE rooms (
    id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{8,58}$'),
    language         text NOT NULL DEFAULT 'python',
    snapshot         text NOT NULL DEFAULT '',
    snapshot_version bigint NOT NULL DEFAULT 0 CHECK (snapshot_version >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    folded_at        timestamptz NOT NULL DEFAULT now()
);

-- One accepted update: the change set that turned version - 1 into version,
-- exactly as the client sent it (CodeMirror's ChangeSet.toJSON()).
CREATE TABLE updates (
    room_id    text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    version    bigint NOT NULL CHECK (version > 0),
    client_id  text NOT NULL,
    changes    json NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, version)
);

-- Announce every stored update on the room's channel from the transaction that
-- stores it, so a notification exists exactly for each committed update. The
-- payload is the protocol's `update` message itself; one that would pass
-- NOTIFY's 8000-byte limit goes out without its changes, marked `truncated`,
-- and listeners read the row instead.
CREATE FUNCTION tg_updates__notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    payload := json_build_object(
        'type', 'update', 'version', NEW.version,
        'clientId', NEW.client_id, 'changes', NEW.changes)::text;
    IF octet_length(payload) > 7999 THEN
        payload := json_build_object(
            'type', 'update', 'version', NEW.version,
            'clientId', NEW.client_id, 'truncated', true)::text;
    END IF;
    PERFORM pg_notify('room:' || NEW.room_id, payload);
    RETURN NULL;
END;
$$;

CREATE TRIGGER _900_notify_update
    AFTER INSERT ON updates
    FOR EACH ROW EXECUTE FUNCTION tg_updates__notify();
