-- The room's last shared run (PROTOCOL.md `run`), kept for `hello`'s `lastRun`:
-- {"key": <the run's server-side token>, "seq": <output messages kept>,
--  "run": <the protocol's lastRun object>}.
-- `json`, not `jsonb`: a program may print U+0000, which `jsonb` refuses and
-- `json` keeps as the escape `\u0000`. The server writes the whole value at
-- once and reads it whole; it never looks inside but for `key`, which guards
-- a late write of a run that another run has replaced since.
ALTER TABLE rooms ADD COLUMN last_run json;
