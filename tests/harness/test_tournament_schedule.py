"""Tournament configs and plans: TOML and flags, stable episode keys, clear errors, the preset, dry-run estimates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from locogym.core.errors import ConfigError
from locogym.harness.estimate import ASSUMED_STEPS, PROMPT_OVERHEAD, episode_usage, estimate
from locogym.harness.schedule import (
    BASELINE_AGENTS,
    build_config,
    load_config,
    plan,
    preset_config,
)
from tests.fixture_family import FIXTURE_ID, register

register()
ROOT = Path(__file__).resolve().parents[2]
BASE = {"agents": ["oracle", "noop"], "envs": [FIXTURE_ID], "lengths": ["1k", "2k"], "seeds": 2,
        "imports": ["tests.fixture_family"], "sandbox": "fake"}

TOML = f"""
envs = ["{FIXTURE_ID}"]
lengths = ["1k", 2048]
seeds = [3, 5]
sandbox = "fake"
imports = ["tests.fixture_family"]
max_total_cost_usd = 2.5
agents = ["oracle", {{ spec = "openai-compatible/tiny", label = "tiny", base_url = "http://127.0.0.1:9/v1", \
temperature = 0, prices = {{ "openai-compatible/tiny" = {{ input = 1.0, output = 2.0 }} }} }}]

[concurrency]
openai-compatible = 5

[budget]
max_steps = 12

[env_args."{FIXTURE_ID}"]
"""


def test_a_toml_file_expands_to_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TOML)
    config = load_config(path, {"out": str(tmp_path / "run")})
    assert config.lengths == [1024, 2048] and config.seeds == [3, 5]
    assert config.concurrency_for("openai-compatible") == 5 and config.concurrency_for("anthropic") == 8
    tiny = config.agents[1]
    assert (tiny.name, tiny.provider, tiny.settings["temperature"]) == ("tiny", "openai-compatible", 0)
    jobs = plan(config)
    assert len(jobs) == 2 * 2 * 2  # agents x lengths x seeds
    assert {(j.agent, j.length, j.seed) for j in jobs} == {(a, n, s) for a in ("oracle", "tiny")
                                                           for n in (1024, 2048) for s in (3, 5)}
    assert all(j.env_budget == {"max_steps": 12} for j in jobs)
    assert all(j.trajectory_path.startswith(f"trajectories/{FIXTURE_ID}/") for j in jobs)
    # the first jobs cover every agent before any seed repeats, so partial results are balanced
    assert [j.agent for j in jobs[:2]] == ["oracle", "tiny"]


def test_keys_are_stable_across_processes_and_orderings() -> None:
    keys = [j.key for j in plan(build_config(BASE))]
    reordered = build_config({**BASE, "agents": ["noop", "oracle"], "lengths": ["2k", "1k"]})
    assert sorted(keys) == sorted(j.key for j in plan(reordered))
    code = ("import json; from locogym.harness.schedule import build_config, plan; "
            f"print(json.dumps([j.key for j in plan(build_config({BASE!r}))]))")
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "123"})
    assert json.loads(other.stdout) == keys


def test_the_key_follows_model_settings_but_not_secrets_or_transport() -> None:
    def key(**settings: object) -> str:
        config = build_config({**BASE, "agents": [{"spec": "openai/gpt-4o", **settings}], "lengths": ["1k"],
                               "seeds": 1})
        return plan(config)[0].key

    assert key(temperature=0) != key(temperature=1)
    assert key(temperature=0, api_key="sk-one") == key(temperature=0, api_key="sk-two")
    assert key(temperature=0, base_url="http://a/v1") == key(temperature=0, base_url="http://b/v1")
    config = build_config({**BASE, "agents": [{"spec": "openai/gpt-4o", "api_key": "sk-secret"}]})
    assert "api_key" not in config.agents[0].public_settings()


def test_the_key_follows_the_scenario_and_the_budget() -> None:
    one = {j.key for j in plan(build_config(BASE))}
    assert one.isdisjoint(j.key for j in plan(build_config({**BASE, "budget": {"max_steps": 3}})))
    assert one.isdisjoint(j.key for j in plan(build_config({**BASE, "lengths": ["3k"]})))


def test_depths_are_an_axis_that_reaches_the_reset_options() -> None:
    jobs = plan(build_config({**BASE, "depths": ["start", "end", 0.25]}))
    drawn = plan(build_config(BASE))
    assert len(jobs) == 3 * len(drawn)
    assert {j.depth for j in jobs} == {0.0, 1.0, 0.25} and {j.depth for j in drawn} == {None}
    assert {j.options["depth"] for j in jobs} == {0.0, 1.0, 0.25} and "depth" not in drawn[0].options
    assert {j.scenario.depth for j in jobs} == {0.0, 1.0, 0.25}
    assert len({j.key for j in jobs}) == len(jobs)


@pytest.mark.parametrize(("change", "words"), [
    ({"envs": ["LoCo-Nope-v0"]}, "Unknown environment 'LoCo-Nope-v0'"),
    ({"depths": ["deep"]}, "depth='deep' is not a depth"),
    ({"agents": ["gpt4"]}, "Unknown agent 'gpt4'"),
    ({"agents": ["mystery/model"]}, "Unknown agent 'mystery/model'"),
    ({"agents": ["oracle", {"spec": "oracle"}]}, "Several agents are called ['oracle']"),
    ({"lengths": ["lots"]}, "Cannot read length 'lots'"),
    ({"seeds": 0}, "seeds"),
    ({"backend": "slurm"}, "backend"),
    ({"bogus": 1}, "bogus"),
    ({"env_args": {"LoCo-Other-v0": {"x": 1}}}, "env_args given for env(s) not in the tournament"),
    ({"env_args": {FIXTURE_ID: {"colour": "red"}}}, "takes no argument(s) ['colour']"),
    ({"lengths": ["1k", "1k"]}, "listed twice"),
    ({"agents": [{"spec": "openai/gpt-4o", "temprature": 0}]}, "takes no argument(s) ['temprature']"),
    ({"agents": [{"spec": "noop", "seed": 3}]}, "Agent 'noop' takes no argument(s) ['seed']"),
])
def test_bad_configs_name_the_cause_and_the_fix(change: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        plan(build_config({**BASE, **change}))
    assert words in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_a_file_leaves_out_what_the_flags_leave_out(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text(f'envs = ["{FIXTURE_ID}"]\nimports = ["tests.fixture_family"]\n')
    config = load_config(path)
    assert [a.name for a in config.agents] == list(BASELINE_AGENTS)
    assert config.lengths == [8192, 16384] and config.seeds == [0, 1, 2] and config.envs == [FIXTURE_ID]


def test_field_errors_read_as_one_sentence_with_their_own_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({**BASE, "lengths": ["12q"], "colour": "red"})
    assert str(caught.value) == (
        "Tournament config (flags) is invalid: lengths: Cannot read length '12q'; colour: not a field of this table "
        '(misspelt?). Fix: Write it as tokens: 8192, "8k", "128k" or "1m". See docs/tournaments.md for every field '
        "and an example file.")


def test_a_broken_toml_file_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("agents = [oracle]\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="No tournament config"):
        load_config(tmp_path / "missing.toml")


def test_the_preset_is_the_baselines_over_every_env_at_two_lengths_and_three_seeds() -> None:
    import locogym

    config = preset_config(out="runs/x")
    assert [a.spec for a in config.agents] == list(BASELINE_AGENTS)
    assert config.envs == list(locogym.env_ids())
    assert config.lengths == [8192, 16384] and config.seeds == [0, 1, 2] and config.preset
    kinds = {(job.env, job.task) for job in plan(config)}
    assert {("LoCo-Repo-v0", "qa"), ("LoCo-Repo-v0", "multisession")} <= kinds  # consistency is measured too


def test_the_estimate_follows_lengths_and_the_price_table() -> None:
    from locogym.agents.pricing import PriceTable

    config = build_config({**BASE, "agents": ["oracle", "openai/gpt-4o"], "lengths": ["8k"], "seeds": 2})
    jobs = plan(config)
    model_job = next(j for j in jobs if j.agent == "openai/gpt-4o")
    usage = episode_usage(model_job)
    assert usage.input == ASSUMED_STEPS * PROMPT_OVERHEAD + 8192 * (ASSUMED_STEPS + 1) // 2
    cells = {c.agent: c for c in estimate(jobs)}
    assert cells["oracle"].input_tokens == 0 and cells["oracle"].cost_usd == 0
    price = PriceTable.load().lookup("openai/gpt-4o")
    assert price is not None
    assert cells["openai/gpt-4o"].cost_usd == pytest.approx(2 * price.cost(usage))
    # episodes already finished are not estimated again
    done_one = {j.key for j in jobs} - {model_job.key}
    assert {c.agent: c.pending for c in estimate(jobs, done_one)}["openai/gpt-4o"] == 1
