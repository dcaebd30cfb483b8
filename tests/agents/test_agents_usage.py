"""Usage and cost from the provider's own fields, prices from the table, and token/cost budgets."""

from __future__ import annotations

import gymnasium as gym
import orjson
import pytest

import locogym
from locogym.agents import make_agent
from locogym.agents.pricing import Price, PriceTable
from locogym.core.errors import ConfigError, DataError
from locogym.core.types import ModelUsage
from locogym.testing import PROTOCOLS, TEST_KEY, Reply, ScriptedServer, Usage, agent_for, usage_total
from tests.agents.agents_support import SCRIPTED_USAGES, fixture_script
from tests.fixture_family import FIXTURE_ID, register

register()
RATES = {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}


def _expected_cost(u: Usage) -> float:
    fresh = u.input - u.cache_read - u.cache_write
    return (fresh * 3.0 + u.cache_read * 0.3 + u.cache_write * 3.75 + u.output * 15.0) / 1e6


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_episode_usage_and_cost_match_the_script_exactly(protocol: str) -> None:
    with ScriptedServer(fixture_script(), api_key=TEST_KEY) as server:
        agent = agent_for(server, protocol, model="priced-model", prices={f"{p}/priced-model": RATES for p in (
            "openai", "anthropic", "openai-compatible")})
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=5)
    assert traj.termination == "submitted" and traj.score is not None and traj.score.success == 1.0
    total = usage_total(SCRIPTED_USAGES)
    got = traj.usage
    assert (got.input, got.output, got.cache_read, got.cache_write, got.reasoning) == (
        total.input, total.output, total.cache_read, total.cache_write, total.reasoning)
    assert got.cost_usd == pytest.approx(sum(_expected_cost(u) for u in SCRIPTED_USAGES), rel=1e-12)
    assert agent.usage == got
    per_step = [s.usage for s in traj.steps]
    # one request behind step 0 (list), step 1 (six reads: one request, five queued), step 7 (submit)
    assert [i for i, u in enumerate(per_step) if u is not None] == [0, 1, 7]
    assert [per_step[i].input for i in (0, 1, 7)] == [u.input for u in SCRIPTED_USAGES]  # type: ignore[union-attr]
    assert per_step[1].cost_usd == pytest.approx(_expected_cost(SCRIPTED_USAGES[1]))  # type: ignore[union-attr]


def test_price_lookup_is_exact_and_knows_dated_names() -> None:
    table = PriceTable.load()
    assert table.lookup("openai/gpt-5-pro") != table.lookup("openai/gpt-5")  # no prefix matching
    assert table.lookup("anthropic/claude-opus-4-5") != table.lookup("anthropic/claude-opus-4")
    assert table.lookup("anthropic/claude-haiku-4-5-20251001") == table.models["anthropic/claude-haiku-4-5"]
    assert table.lookup("anthropic/claude-sonnet-4-5-latest") == table.models["anthropic/claude-sonnet-4-5"]
    assert table.lookup("openai/gpt-5-turbo") is None and table.lookup("openai/gpt-4o-x") is None
    assert table.lookup("openai/gpt-4o-mini-2024-07-18") == table.models["openai/gpt-4o-mini"]
    assert table.lookup("openai/gpt-4o-2024-08-06") == table.models["openai/gpt-4o"]
    assert table.lookup("anthropic/claude-sonnet-4-20250514") == table.models["anthropic/claude-sonnet-4"]
    assert table.lookup("openai-compatible/llama3") is None
    assert table.cost("openai-compatible/llama3", ModelUsage(input=10**6, output=10**6)) == 0.0
    usage = ModelUsage(input=1_000_000, output=1_000_000, cache_read=500_000)
    assert table.cost("openai/gpt-4o", usage) == pytest.approx(0.5 * 2.5 + 0.5 * 1.25 + 10.0)


def test_prices_are_overridable_by_file_environment_and_argument(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env_file = tmp_path / "env-prices.json"
    env_file.write_bytes(orjson.dumps({"models": {"openai/gpt-4o": {"input": 1.0, "output": 2.0}}}))
    monkeypatch.setenv("LOCOGYM_PRICES", str(env_file))
    assert PriceTable.load().lookup("openai/gpt-4o") == Price(input=1.0, output=2.0)
    arg_file = tmp_path / "arg-prices.json"
    arg_file.write_bytes(orjson.dumps({"openai/gpt-4o": {"input": 5.0, "output": 6.0}}))
    assert PriceTable.load(arg_file).lookup("openai/gpt-4o") == Price(input=5.0, output=6.0)
    assert (PriceTable.load({"openai/gpt-4o": {"input": 7, "output": 8}}).lookup("openai/gpt-4o")
            == Price(input=7, output=8))


def test_bad_price_files_name_the_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        PriceTable.load(bad)
    bad.write_bytes(orjson.dumps({"models": {"openai/x": {"input": -1, "output": 1}}}))
    with pytest.raises(DataError, match="openai/x.*input"):
        PriceTable.load(bad)
    with pytest.raises(DataError, match="does not exist"):
        PriceTable.load(tmp_path / "missing.json")


def test_token_budget_ends_the_episode_truncated() -> None:
    script = [Reply.call("list_files", {}, usage=Usage(600, 50)), Reply.call("read_file", {"path": "notes/00.txt"},
                                                                            usage=Usage(700, 50))]
    with ScriptedServer(script) as server:
        agent = agent_for(server, "anthropic", max_total_tokens=1000)
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=1)
    assert traj.termination == "max_cost"  # the runner's name for an agent budget; the episode is truncated
    assert len(server.requests) == 2 and len(traj.steps) == 2
    assert traj.usage.total_tokens == 1400
    assert "budget" in traj.events[-1]["message"]


def test_cost_budget_ends_the_episode_and_needs_a_price() -> None:
    script = [Reply.call("list_files", {}, usage=Usage(1_000_000, 0))] * 3
    with ScriptedServer(script) as server:
        agent = agent_for(server, "openai-chat", model="gpt-4o", max_cost_usd=5.0)
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=1)
        with pytest.raises(ConfigError, match="no price is known"):
            agent_for(server, "openai-compatible", model="local", max_cost_usd=1.0)
    assert traj.termination == "max_cost"
    assert traj.usage.cost_usd == pytest.approx(5.0)  # two calls at $2.50 each, then the budget stops it
    assert len(server.requests) == 2


def test_a_long_prompt_pays_its_tier_rates_for_the_whole_request() -> None:
    price = PriceTable.load().lookup("anthropic/claude-sonnet-4-5")
    assert price is not None
    short = ModelUsage(input=200_000, output=1_000, cache_read=100_000, cache_write=50_000)
    long = short.model_copy(update={"input": 200_001})
    assert price.cost(short) == pytest.approx((50_000 * 3 + 100_000 * 0.3 + 50_000 * 3.75 + 1_000 * 15) / 1e6)
    assert price.cost(long) == pytest.approx((50_001 * 6 + 100_000 * 0.6 + 50_000 * 7.5 + 1_000 * 22.5) / 1e6)


def test_an_unpriced_model_warns_and_is_refused_under_a_budget() -> None:
    with pytest.warns(UserWarning, match="No price is known for openai/unpriced-test-model"):
        make_agent("openai/unpriced-test-model", api_key="k", cache=False)
    with pytest.raises(ConfigError, match="no price is known"):
        make_agent("openai/unpriced-test-model", api_key="k", cache=False, max_cost_usd=1.0)
