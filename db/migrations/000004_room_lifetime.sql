-- Operating Pairpad: room lifetime and per-client abuse limits.

-- When a room was last in use: set when a process opens it, every few minutes
-- while any process has a socket on it, and when its last socket there leaves;
-- never per edit. The optional time-to-live sweep deletes rooms by it, oldest
-- first, through this index. Updates (and any table keyed by room) go with the
-- room through ON DELETE CASCADE.
ALTER TABLE rooms ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX rooms_touched_at ON rooms (touched_at);

-- The limits below are soft state shared by every process, so their tables are
-- UNLOGGED: no WAL, no fsync, emptied by a crash of Postgres (which forgives
-- every client once) and never replicated.

-- A token bucket per (limit, client): `tokens` as of `updated_at`.
CREATE UNLOGGED TABLE rate_buckets (
    key        text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Take one token from `p_key`'s bucket (refilled at `p_rate` a second up to
-- `p_burst`). Returns 0 when taken, else the seconds until one will be there.
-- The upsert locks the row, so concurrent takers from any process queue on it.
CREATE FUNCTION pairpad_take_token(p_key text, p_rate double precision, p_burst double precision)
RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    level double precision;
BEGIN
    INSERT INTO rate_buckets AS b (key, tokens, updated_at)
    VALUES (p_key, p_burst, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = least(p_burst, b.tokens
            + p_rate * extract(epoch FROM clock_timestamp() - b.updated_at)),
        updated_at = clock_timestamp()
    RETURNING tokens INTO level;
    IF level >= 1 THEN
        UPDATE rate_buckets SET tokens = level - 1 WHERE key = p_key;
        RETURN 0;
    END IF;
    RETURN (1 - level) / p_rate;
END;
$$;

-- Each server process, and when it last said it was alive. Rows of a process
-- silent for long are deleted, with its socket counts, by the sweep.
CREATE UNLOGGED TABLE server_processes (
    id      text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);

-- Open WebSockets per client and process: a process counts only its own.
CREATE UNLOGGED TABLE client_sockets (
    client  text NOT NULL,
    process text NOT NULL REFERENCES server_processes (id) ON DELETE CASCADE,
    sockets integer NOT NULL CHECK (sockets >= 0),
    PRIMARY KEY (client, process)
);

-- Count one more socket for `p_client` on `p_process` unless the client has
-- `p_cap` open across live processes already. A transaction-scoped advisory
-- lock per client makes check-and-count atomic across processes: each
-- statement after it sees the counts that earlier holders committed.
CREATE FUNCTION pairpad_open_socket(p_client text, p_process text, p_cap integer, p_alive interval)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    open_now integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pairpad-sockets:' || p_client, 0));
    SELECT coalesce(sum(c.sockets), 0) INTO open_now
    FROM client_sockets c JOIN server_processes p ON p.id = c.process
    WHERE c.client = p_client AND p.seen_at > now() - p_alive;
    IF open_now >= p_cap THEN
        RETURN false;
    END IF;
    INSERT INTO server_processes (id) VALUES (p_process)
    ON CONFLICT (id) DO UPDATE SET seen_at = now();
    INSERT INTO client_sockets AS c (client, process, sockets) VALUES (p_client, p_process, 1)
    ON CONFLICT (client, process) DO UPDATE SET sockets = c.sockets + 1;
    RETURN true;
END;
$$;
