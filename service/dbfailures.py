"""The exceptions that mean "the database failed", whatever the statement was."""

from __future__ import annotations

import asyncpg

# After one of these we cannot know whether a statement took effect.
DATABASE_FAILURES = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    # Raised by a pool connection whose server went away mid-protocol.
    asyncpg.InternalClientError,
)
