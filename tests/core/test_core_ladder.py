"""The core/context split every generator builds on: seeds, depth parsing and placement, the core's name."""

from __future__ import annotations

from collections import Counter

import pytest

from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.ladder import core_hash, depth_bin, parse_depth, place, too_short
from locogym.core.types import ScenarioConfig, drawn_depth


def _config(**change: object) -> ScenarioConfig:
    return ScenarioConfig.model_validate({"family": "f", "seed": 3, "length": 8192, "params": {"k": 1}, **change})


def test_the_core_seed_ignores_length_and_depth_and_nothing_else() -> None:
    base = _config()
    assert base.core_seed() == _config(length=131072).core_seed() == _config(depth=0.9).core_seed()
    for change in ({"seed": 4}, {"difficulty": "hard"}, {"task": "x"}, {"params": {"k": 2}}, {"family": "g"}):
        assert _config(**change).core_seed() != base.core_seed(), change
    assert _config(length=131072).fill_seed() != base.fill_seed()
    assert base.fill_seed() not in (base.core_seed(), base.rng_seed())


def test_a_config_without_depth_hashes_as_before_depth_existed() -> None:
    # the seed of a config that sets no depth is the hash of the fields it had before (kept for old runs)
    assert "depth" not in _config().identity() and _config(depth=0.5).identity()["depth"] == 0.5
    assert _config().rng_seed() != _config(depth=0.5).rng_seed()


@pytest.mark.parametrize(("given", "expected"), [("start", 0.0), ("middle", 0.5), ("END", 1.0), (" 0.25 ", 0.25),
                                                 (0, 0.0), (1, 1.0), (0.333333, 0.3333), (None, None)])
def test_depths_parse_from_names_and_fractions(given: object, expected: float | None) -> None:
    assert parse_depth(given) == expected


@pytest.mark.parametrize("given", ["deep", -0.1, 1.5, True, [0.5], "nan"])
def test_a_bad_depth_names_the_value_and_the_fix(given: object) -> None:
    with pytest.raises(ConfigError, match=r"is not a depth.*Fix: Use \"start\", \"middle\", \"end\""):
        parse_depth(given)


def test_a_drawn_depth_is_the_seeds_own_and_spreads_over_the_thirds() -> None:
    assert _config().evidence_depth() == _config(length=131072).evidence_depth()
    assert _config(depth=0.75).evidence_depth() == 0.75
    drawn = [drawn_depth(seed) for seed in range(600)]
    assert all(0.0 <= d <= 1.0 for d in drawn) and drawn == [drawn_depth(seed) for seed in range(600)]
    thirds = Counter(depth_bin(d) for d in drawn)
    assert min(thirds.values()) > 150  # roughly a third each (7, 7 and 7 of the 21 steps)


def test_place_puts_the_ends_at_the_ends() -> None:
    assert [place(d, 5) for d in (0.0, 0.24, 0.5, 0.76, 1.0)] == [0, 1, 2, 3, 4]
    assert place(0.7, 1) == 0
    with pytest.raises(ValueError):
        place(0.5, 0)
    assert [depth_bin(d) for d in (0.0, 0.33, 0.34, 0.66, 0.67, 1.0, None)] == \
        ["start", "start", "middle", "middle", "end", "end", "unknown"]


def test_the_core_hash_names_the_core_and_hides_it_without_the_seed() -> None:
    core = {"question": "q", "gold": {"answer": 1}, "depth": 0.5}
    assert core_hash(_config(), core) == core_hash(_config(length=65536), core)
    assert core_hash(_config(), core) != core_hash(_config(), {**core, "gold": {"answer": 2}})
    assert core_hash(_config(), core) != core_hash(_config(seed=4), core)  # guessing the gold needs the seed too


def test_too_short_is_a_refusal_that_says_what_fits() -> None:
    error = too_short(4096, 6000, "the question and its files")
    assert isinstance(error, TaskRefused) and isinstance(error, ConfigError)
    assert "length=4,096 tokens cannot hold this task's core (the question and its files needs 6,000 tokens)" in \
        str(error) and "at least 6,000 tokens" in str(error)
