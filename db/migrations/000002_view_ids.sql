-- View-only links. Every room gets a second id that only watches; it has as
-- many random bits as the room id (128) and is not derived from it. The
-- default backfills rooms that exist already, on a live database: a new
-- column with a volatile default is filled in one rewrite under this
-- migration's lock, which for Pairpad's table sizes takes moments.
ALTER TABLE rooms
    ADD COLUMN view_id text NOT NULL
        DEFAULT rtrim(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=')
        CHECK (view_id ~ '^[A-Za-z0-9_-]{8,58}$');

CREATE UNIQUE INDEX rooms_view_id_key ON rooms (view_id);
