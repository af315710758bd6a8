-- The room's last shared run (PROTOCOL.md `run`), kept for `hello`'s `lastRun`.
ALTER TABLE rooms ADD COLUMN last_run jsonb;
