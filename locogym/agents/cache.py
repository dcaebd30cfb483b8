"""An on-disk cache of model responses, keyed by the exact request, so re-runs and replays cost nothing.

The key is a SHA-256 of the canonical JSON of the *scope* (provider, wire protocol and endpoint, e.g.
``openai-compatible:messages:http://127.0.0.1:8080/v1/chat/completions``) and the full request body (model,
messages, tools, tool_choice, temperature, seed, output allowance, ...): everything that decides the answer. The
endpoint is in it because a model name says nothing about who serves it: a smoke test against a local server must
never answer the real run. Only responses that parsed as a valid turn are stored, so a malformed answer is asked
again next time. Credentials are never part of a request body, so no key can leak into a cache key or file.
Each entry is one JSON file written atomically
(temporary file + rename): concurrent episodes and killed runs never leave a torn entry; an unreadable entry is
treated as a miss and rewritten.

Where it lives: ``cache=`` on the agent (a folder, or False to switch it off), else ``$LOCOGYM_CACHE_DIR``, else
``~/.cache/locogym/responses``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from locogym.core.types import dumps

CACHE_ENV = "LOCOGYM_CACHE_DIR"
CACHE_FORMAT = 2  # 2: the endpoint joined the key; entries of format 1 are never read


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "locogym" / "responses"


def public_endpoint(url: str) -> str:
    """``url`` without user info, query or fragment: safe to record and to hash."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def request_key(scope: str, body: dict[str, Any]) -> str:
    """The cache key of one request: the same scope and body always give the same key."""
    payload = dumps({"format": CACHE_FORMAT, "scope": scope, "body": body})
    return hashlib.sha256(payload).hexdigest()


class ResponseCache:
    """Response bodies on disk under ``root/ab/<key>.json``. ``hits`` and ``misses`` count this process's use."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response for ``key``, or None (also for an unreadable entry)."""
        try:
            record = orjson.loads(self._path(key).read_bytes())
        except (FileNotFoundError, NotADirectoryError, orjson.JSONDecodeError):
            self.misses += 1
            return None
        if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT or "response" not in record:
            self.misses += 1
            return None
        self.hits += 1
        return record["response"]

    def put(self, key: str, response: dict[str, Any]) -> None:
        """Store ``response`` for ``key`` atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = orjson.dumps({"format": CACHE_FORMAT, "response": response})
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def open_cache(cache: ResponseCache | str | Path | bool | None) -> ResponseCache | None:
    """Resolve the agent's ``cache=`` argument: a cache, a folder, True/None for the default folder, False for off."""
    if cache is False:
        return None
    if isinstance(cache, ResponseCache):
        return cache
    if cache is None or cache is True:
        return ResponseCache(default_cache_dir())
    return ResponseCache(cache)
