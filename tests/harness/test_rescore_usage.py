"""`locogym score` re-derives usage and cost from the requests an episode recorded and the price table: an edited
token count or dollar figure fails, even when the row and the trajectory were edited together and re-sealed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from locogym.core.types import EpisodeResult
from locogym.harness.rescore import rescore_run
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import build_config, plan
from locogym.harness.tournament import plan_record
from locogym.harness.worker import execute_episode
from locogym.testing import ScriptedServer
from tests.fixture_family import FIXTURE_ID, register
from tests.harness.test_rescore_regrade import copy_run, lines_of, rows, write_rows, write_sealed
from tests.harness.test_tournament_spend import MODEL, PRICES, MeteredModel

register()


@pytest.fixture(scope="module")
def metered_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two episodes of a priced model agent against a stub server that reports real token counts, played by the
    tournament's own worker in this process and sealed as the tournament seals them."""
    out = tmp_path_factory.mktemp("metered") / "run"
    with ScriptedServer(fallback=MeteredModel()) as server:
        agent = {"spec": MODEL, "base_url": server.openai_base_url, "cache": False, "prices": PRICES}
        config = build_config({"agents": [agent], "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": 2,
                               "imports": ["tests.fixture_family"], "sandbox": "fake", "out": str(out)})
        jobs = plan(config)
        with RunDir(out).writer() as writer:
            for job in jobs:
                writer.append(EpisodeResult.model_validate(execute_episode(job.model_dump(mode="json"), str(out))))
    RunDir(out).write_plan(plan_record(config, jobs, [], [], None))
    assert [row["status"] for row in rows(out)] == ["done", "done"]
    return out


def _edit(run: Path, change: Any) -> None:
    """Apply ``change`` to the first row's usage and to its trajectory's, then re-seal with the public key."""
    data = rows(run)
    path = run / data[0]["trajectory_path"]
    records = lines_of(path)
    for holder in (data[0], records[-1]):
        change(holder["usage"])
    write_sealed(path, records)
    data[0]["seal"] = lines_of(path)[-1]["seal"]
    write_rows(run, data)


def _findings(run: Path) -> list[str]:
    return [f.what for episode in rescore_run(run).failed for f in episode.findings]


def test_an_untouched_priced_run_re_derives_its_usage(metered_run: Path) -> None:
    check = rescore_run(metered_run)
    assert check.ok, [(e.key, e.findings) for e in check.failed]
    assert all(row["usage"]["cost_usd"] > 0 and row["usage"]["input"] > 0 for row in rows(metered_run))


def test_fewer_tokens_in_row_and_trajectory_disagree_with_the_requests(metered_run: Path, tmp_path: Path) -> None:
    run = copy_run(metered_run, tmp_path)
    _edit(run, lambda usage: usage.update(input=usage["input"] // 2))
    assert "usage input / requests" in _findings(run)


def test_a_lower_cost_disagrees_with_the_price_table(metered_run: Path, tmp_path: Path) -> None:
    run = copy_run(metered_run, tmp_path)
    _edit(run, lambda usage: usage.update(cost_usd=usage["cost_usd"] / 10))
    assert _findings(run) == ["cost / price table"]


def test_a_row_whose_usage_differs_from_its_trajectory_is_caught(metered_run: Path, tmp_path: Path) -> None:
    run = copy_run(metered_run, tmp_path)
    data = rows(run)
    data[0]["usage"]["output"] += 1000
    write_rows(run, data)
    assert _findings(run) == ["row usage / trajectory"]


def test_a_run_without_requests_may_not_claim_usage(metered_run: Path, tmp_path: Path) -> None:
    run = copy_run(metered_run, tmp_path)
    data = rows(run)
    path = run / data[0]["trajectory_path"]
    records = [r for r in lines_of(path) if (r.get("event") or {}).get("kind") != "model_request"]
    write_sealed(path, records)
    data[0]["seal"] = lines_of(path)[-1]["seal"]
    write_rows(run, data)
    assert "usage / requests" in _findings(run)
