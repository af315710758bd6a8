-- A version at or below the room's newest checkpoint has been stored, even when
-- history retention has deleted its row since. The primary key alone would take
-- such a version again, and a process that had fallen behind the retention cut
-- (its notes still on the way, or its listener reconnecting) would store a second,
-- different version v and fork the room. Skipping the row (RETURN NULL) makes the
-- writer's INSERT ... ON CONFLICT DO NOTHING report it as taken, like a conflict.
CREATE FUNCTION tg_updates__refuse_checkpointed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM checkpoints
               WHERE room_id = NEW.room_id AND version >= NEW.version) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER _100_refuse_checkpointed_version
    BEFORE INSERT ON updates
    FOR EACH ROW EXECUTE FUNCTION tg_updates__refuse_checkpointed();
