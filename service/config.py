"""Every setting Pairpad reads from the environment, in one place."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Process settings; each field reads the upper-case variable `PAIRPAD_<NAME>`.

    `DATABASE_URL` is read without the prefix, as every Postgres tool names it.
    """

    model_config = SettingsConfigDict(env_prefix="PAIRPAD_", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    # uvicorn's event loop, WebSocket and HTTP implementations (see README,
    # "Performance": chosen by server CPU per edit, measured by bench/edit_cost.py).
    uvicorn_loop: str = "uvloop"
    uvicorn_ws: str = "websockets-sansio"
    uvicorn_http: str = "httptools"

    # Origins allowed to open a WebSocket besides the page's own origin.
    allowed_origins: list[str] = []
    allow_localhost_origins: bool = True

    max_document_bytes: int = MIB
    max_frame_bytes: int = 8 * MIB
    # Sustained and burst message rate per connection before it is closed with 1008.
    messages_per_second: float = 200.0
    message_burst: int = 400
    presence_per_second: float = 20.0
    # Protocol errors tolerated per window before the connection is closed with 1008.
    max_errors: int = 20
    error_window_seconds: float = 10.0
    # Messages waiting for a slow socket before it is closed with 1013.
    send_queue_limit: int = 2048

    # A room's log is folded into its snapshot every this many updates, and when idle.
    fold_every: int = 200
    # Updates kept behind the snapshot so that clients can catch up with `since`.
    history_keep: int = 1000

    # A peer whose process dies unannounced is dropped within expiry + 1 s.
    presence_heartbeat_seconds: float = 10.0
    presence_expiry_seconds: float = 25.0

    pool_min_size: int = 2
    pool_max_size: int = 10
    web_dist: str = "web/dist"
    embedded_data_dir: str = ".pgdata"
    embedded_port: int = 54329


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
