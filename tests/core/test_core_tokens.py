from __future__ import annotations

import pytest

from locogym.core import tokens
from locogym.core.errors import ConfigError


@pytest.mark.parametrize(("text", "expected"), [
    ("32k", 32768), ("1m", 1048576), ("8K", 8192), ("1.5k", 1536), (" 128k ", 131072), ("1000", 1000), (4096, 4096),
])
def test_parse_length(text: object, expected: int) -> None:
    assert tokens.parse_length(text) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "k", "32kb", "-1k", 0, -5, "0k", True, "1g"])
def test_parse_length_rejects_with_a_fix(bad: object) -> None:
    with pytest.raises(ConfigError) as info:
        tokens.parse_length(bad)  # type: ignore[arg-type]
    assert "Fix:" in str(info.value)


def test_format_length_inverts_parse() -> None:
    for text in ["8k", "32k", "1m", "1000"]:
        assert tokens.format_length(tokens.parse_length(text)) == text


def test_count_matches_the_real_encoding() -> None:
    assert tokens.count("hello world") == 2
    assert tokens.count("") == 0
    long = "The quick brown fox jumps over the lazy dog. " * 200
    first = tokens.count(long)
    assert first == len(tokens.encoding().encode(long))
    assert tokens.count(long) == first  # cached path gives the same answer


def test_truncate_cuts_to_the_budget_and_reports_the_rest() -> None:
    text = "word " * 1000
    kept, cut = tokens.truncate(text, 100)
    assert tokens.count(kept) <= 100
    assert cut == tokens.count(text) - 100
    assert tokens.truncate("short", 100) == ("short", 0)
