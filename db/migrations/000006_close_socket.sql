-- A socket's close counts one fewer for its client on its process, and a count
-- that reaches zero takes its row with it. Until now the row stayed at zero, so
-- a process kept one row for every client it had ever served. The per-client
-- lock is pairpad_open_socket's: a close and an open of the same client never
-- cross, so the row an open counts on is never deleted under it.
CREATE FUNCTION pairpad_close_socket(p_client text, p_process text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pairpad-sockets:' || p_client, 0));
    DELETE FROM client_sockets
    WHERE client = p_client AND process = p_process AND sockets <= 1;
    IF NOT FOUND THEN
        UPDATE client_sockets SET sockets = sockets - 1
        WHERE client = p_client AND process = p_process;
    END IF;
END;
$$;

DELETE FROM client_sockets WHERE sockets = 0;
