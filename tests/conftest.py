from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from service import ids
from service.config import Settings
from service.rooms import RoomHub
from service.store import Store, create_pool
from tests.harness import PostgresServer, ServerProcess, servers


@pytest.fixture(scope="session")
async def postgres() -> AsyncIterator[PostgresServer]:
    """DATABASE_URL's server when given (never restarted), else an embedded one."""
    url = os.environ.get("DATABASE_URL")
    server = PostgresServer(url, None) if url else PostgresServer.start_embedded()
    await server.prepare_template()
    try:
        yield server
    finally:
        await server.drop_all()
        server.stop()


@pytest.fixture(scope="session")
async def shared_database(postgres: PostgresServer) -> str:
    return await postgres.new_database()


@pytest.fixture(scope="session")
def two_servers(shared_database: str) -> Iterator[list[ServerProcess]]:
    """Two server processes on one database, shared by the tests that only make rooms."""
    with servers(shared_database, 2) as procs:
        yield procs


@pytest.fixture(scope="session")
def server(two_servers: list[ServerProcess]) -> ServerProcess:
    return two_servers[0]


@pytest.fixture
async def database_url(postgres: PostgresServer) -> str:
    """A migrated database of the test's own."""
    return await postgres.new_database()


@pytest.fixture
async def hub(database_url: str) -> AsyncIterator[RoomHub]:
    """One process's rooms, run in the test, so that a test can order what happens."""
    pool = await create_pool(database_url, 1, 4)
    hub = RoomHub(Store(pool), Settings(), database_url, ids.new_process_id())
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()
        await pool.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every test here is required: a skipped one fails the run, loudly."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        names = ", ".join(report.nodeid for report in skipped[:10])
        print(f"\nFAILED: {len(skipped)} required test(s) skipped: {names}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
