"""Every setting Pairpad reads from the environment, in one place."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
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
    # The WebSocket one is uvicorn's websockets-sansio protocol with Pairpad's way of
    # reading text frames (service/text_frames.py); "websockets-sansio" is without it.
    uvicorn_loop: str = "uvloop"
    uvicorn_ws: str = "service.text_frames:TextFrameProtocol"
    uvicorn_http: str = "httptools"

    # Origins allowed to open a WebSocket besides the page's own origin.
    allowed_origins: list[str] = []
    allow_localhost_origins: bool = False

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
    # A `since` reconnect further behind than this many updates starts over from
    # the text instead of replaying them (they are still in the history), and
    # loses its unsent edits: PROTOCOL.md promises the replay while the server
    # has the updates. The bound is on what one join reads under the room's lock
    # and holds in memory (about 100 bytes an update).
    catch_up_limit: int = 100_000

    # A room's text is kept as a checkpoint every this many updates (more for big
    # documents), and when it goes idle.
    fold_every: int = 200
    # History retention (README "History"): unset keeps every version forever. With
    # either limit set, history older than it is dropped, a checkpoint at a time.
    # PAIRPAD_HISTORY_KEEP is v1's name for the versions limit.
    history_keep_versions: int | None = Field(
        default=None,
        ge=0,
        validation_alias=AliasChoices("PAIRPAD_HISTORY_KEEP_VERSIONS", "PAIRPAD_HISTORY_KEEP"),
    )
    history_keep_days: float | None = Field(default=None, ge=0)

    # A peer whose process dies unannounced is dropped within expiry + 1 s.
    presence_heartbeat_seconds: float = 10.0
    presence_expiry_seconds: float = 25.0

    # Operating (see README "Operating Pairpad"). /metrics: on the main port when
    # `metrics_port` is unset, answering loopback peers only unless `metrics_token`
    # is set; with `metrics_port`, only there (bound to `metrics_host`).
    metrics_enabled: bool = True
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    metrics_token: str | None = None
    # Per-client abuse limits, shared by every process through Postgres; 0 turns one off.
    rooms_per_minute: float = 30.0
    rooms_burst: int = 30
    autocomplete_per_second: float = 20.0
    autocomplete_burst: int = 40
    # GET /rooms/{id}, its history and its versions (a version costs a replay).
    room_reads_per_second: float = 50.0
    room_reads_burst: int = 200
    sockets_per_client: int = 200
    # Peers whose X-Forwarded-For is believed: IP addresses or CIDR networks.
    trusted_proxies: list[str] = []
    # Rooms untouched this long are deleted (None: kept for ever).
    room_ttl_days: float | None = None
    room_sweep_seconds: float = 60.0
    room_sweep_batch: int = 100
    # How often each process marks its live rooms (and itself) as in use.
    touch_seconds: float = 60.0
    # "text" (readable) or "json" (one object a line).
    log_format: str = "text"

    pool_min_size: int = 2
    pool_max_size: int = 10
    web_dist: str = "web/dist"
    embedded_data_dir: str = ".pgdata"
    embedded_port: int = 54329


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
