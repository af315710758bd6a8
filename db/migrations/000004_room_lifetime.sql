-- When the room was last touched, for the operator's optional time to live.
ALTER TABLE rooms ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
