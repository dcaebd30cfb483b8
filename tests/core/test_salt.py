"""Secret seeds: with a salt the same seed makes another task, ids name no seed, the salt is never recorded, and
its fingerprint is slow to attack: stretched by scrypt under a per-run nonce, with short salts refused."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import gymnasium as gym
import pytest
from typer.testing import CliRunner

import locogym
from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.core.salt import (
    DEFAULT_NONCE,
    MIN_SALT_CHARS,
    derive,
    new_nonce,
    nonce_of,
    resolve_salt,
    seal_key,
)
from locogym.core.types import dumps

FAMILIES = [("LoCo-WikiHop-v0", {}), ("LoCo-FuncCall-v0", {}), ("LoCo-Repo-v0", {"sandbox": "fake"})]
PEPPER = "pepper-for-the-tests"


@pytest.mark.parametrize(("env_id", "kwargs"), FAMILIES)
def test_a_salt_changes_every_family_task_and_hides_the_seed(env_id: str, kwargs: dict[str, str]) -> None:
    plain, salted, resalted = (gym.make(env_id, **kwargs, seed_salt=s) for s in ("", PEPPER, PEPPER))
    try:
        _, info_plain = plain.reset(seed=7)
        obs, info_salted = salted.reset(seed=7)
        _, info_again = resalted.reset(seed=7)
        assert info_salted["content_hash"] != info_plain["content_hash"]
        assert info_salted["content_hash"] == info_again["content_hash"]  # the salt's holder regenerates it
        # no part of the id is the seed (an opaque hex part contains the digit 7 more often than not)
        assert "7" not in info_salted["task_id"].split("-")
        shown = dumps({k: v for k, v in info_salted.items() if k != "tools"}).decode() + obs
        assert PEPPER not in shown and str(derive(PEPPER).seed(7)) not in shown
        header = salted.unwrapped.trajectory  # type: ignore[attr-defined]
        assert header.salt_hash == derive(PEPPER, DEFAULT_NONCE).fingerprint and header.scenario.seed == 7
        assert PEPPER not in header.model_dump_json()
    finally:
        for env in (plain, salted, resalted):
            env.close()


def test_another_nonce_makes_other_tasks_from_the_same_salt() -> None:
    first, second = (gym.make("LoCo-FuncCall-v0", seed_salt=PEPPER, salt_nonce=n) for n in ("run-a", "run-b"))
    try:
        assert first.reset(seed=3)[1]["content_hash"] != second.reset(seed=3)[1]["content_hash"]
        assert nonce_of(first.unwrapped.trajectory.salt_hash) == "run-a"  # type: ignore[attr-defined]
    finally:
        first.close()
        second.close()


def test_the_salt_comes_from_the_environment_variable_and_empty_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_SEED_SALT", "from-the-environment")
    assert resolve_salt() == "from-the-environment" and resolve_salt(PEPPER) == PEPPER and resolve_salt("") is None
    monkeypatch.delenv("LOCOGYM_SEED_SALT")
    assert resolve_salt() is None and seal_key(None) == b"locogym-seal-public"


@pytest.mark.parametrize("weak", ["hunter2", "x" * (MIN_SALT_CHARS - 1)])
def test_a_short_salt_is_refused_with_the_command_that_makes_a_strong_one(weak: str) -> None:
    with pytest.raises(ConfigError, match=f"at least {MIN_SALT_CHARS}") as caught:
        resolve_salt(weak)
    assert "locogym salt new" in (caught.value.fix or "")
    with pytest.raises(ConfigError, match="at least"):
        gym.make("LoCo-WikiHop-v0", seed_salt=weak)


def test_salt_new_prints_a_long_random_salt_each_time() -> None:
    runner = CliRunner()
    made = [runner.invoke(app, ["salt", "new"]) for _ in range(2)]
    salts = [m.output.strip() for m in made]
    assert all(m.exit_code == 0 for m in made) and salts[0] != salts[1]
    assert all(resolve_salt(s) == s and len(s) >= 40 for s in salts)


def test_the_fingerprint_names_its_nonce_and_depends_on_salt_and_nonce() -> None:
    nonce = new_nonce()
    key = derive(PEPPER, nonce)
    scheme, recorded_nonce, digest = key.fingerprint.split("$")
    assert (scheme, recorded_nonce, len(digest)) == ("scrypt", nonce, 32)
    assert derive(PEPPER + "!", nonce).fingerprint != key.fingerprint
    assert derive(PEPPER, new_nonce()).fingerprint != key.fingerprint
    assert PEPPER not in key.fingerprint and seal_key(key) != seal_key(derive(PEPPER, new_nonce()))
    with pytest.raises(ConfigError, match="scrypt"):
        nonce_of(hashlib.sha256(PEPPER.encode()).hexdigest()[:16])  # the unstretched fingerprint of old runs


def test_each_guess_at_a_salt_costs_a_full_scrypt_derivation() -> None:
    """The fingerprint cannot be checked without stretching the guess: no cheaper digest of the salt is kept. Each
    derivation takes tens of milliseconds, so a million-word dictionary takes hours of CPU (``bench/salt.py``)."""
    derive.cache_clear()
    start = time.process_time()
    for guess in ("a-first-guess-at-it", "a-second-guess-at-it"):
        derive(guess, "nonce-under-attack")
    per_guess = (time.process_time() - start) / 2
    assert per_guess > 0.005  # a plain SHA-256 takes about a microsecond


def test_a_salted_trajectory_file_never_holds_the_salt(tmp_path: Path) -> None:
    env = gym.make("LoCo-WikiHop-v0", seed_salt=PEPPER)
    path = tmp_path / "t.jsonl"
    traj = locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, trajectory_path=path)
    env.close()
    assert traj.score is not None and traj.score.success == 1.0  # the oracle still solves the salted task
    assert PEPPER not in path.read_text() and traj.seal and traj.agent_privileged and traj.episode_key
