"""The exceptions that mean "the database failed", whatever the statement was."""

from __future__ import annotations

import asyncpg

# After one of these we cannot know whether a statement took effect.
DATABASE_FAILURES = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)
