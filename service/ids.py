"""Identifiers: those that come from clients, validated before they reach the
database, and those the service draws."""

from __future__ import annotations

import os
import re
import secrets
import socket

ROOM_ID = re.compile(r"[A-Za-z0-9_-]{8,58}")
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
LANGUAGE_NAME = re.compile(r"[a-z0-9+#._-]{1,32}")

# Languages a room may be set to: the editor highlights the first three in depth.
ROOM_LANGUAGES = frozenset(
    {
        "python",
        "javascript",
        "typescript",
        "json",
        "html",
        "css",
        "markdown",
        "sql",
        "rust",
        "go",
        "java",
        "c",
        "cpp",
        "shell",
        "plaintext",
    }
)
DEFAULT_LANGUAGE = "python"


def is_room_id(value: str) -> bool:
    return ROOM_ID.fullmatch(value) is not None


def is_client_id(value: str) -> bool:
    return CLIENT_ID.fullmatch(value) is not None


def new_room_id() -> str:
    """128 random bits, URL-safe: 22 characters."""
    return secrets.token_urlsafe(16)


def new_view_id() -> str:
    """A view-only link's id: as many random bits as a room id, not derived from it
    (migration 000002 drew the same for rooms that existed before view links)."""
    return secrets.token_urlsafe(16)


def new_client_id() -> str:
    return secrets.token_urlsafe(12)


def new_process_id() -> str:
    """Names a server process to the others and to an operator: host, pid, and a
    random tail, since pids are reused."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


def channel_for(room_id: str) -> str:
    """The NOTIFY channel of a room; only ever built from a validated id."""
    if not is_room_id(room_id):
        raise ValueError(f"not a room id: {room_id!r}")
    return f"room:{room_id}"
