"""Trials in the plan and the "How sure are we" sections of both reports, from a hand-made run folder."""

from __future__ import annotations

from pathlib import Path

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.report import load_run, render_markdown, summarise, write_reports
from locogym.harness.report.summary import uninformative
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import build_config, plan
from locogym.scoring.aggregate import Interval
from tests.fixture_family import FIXTURE_ID, register

register()
E1 = "LoCo-WikiHop-v0"
BASE = {"agents": ["oracle", "random"], "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": 2,
        "imports": ["tests.fixture_family"], "sandbox": "fake"}
# agent -> seed -> the success of each of three trials: steady always passes, flaky passes 2 of 3 on seed 0,
# lucky passes once on seed 1 only, and never plays seeds 2-5 (so comparisons with it use shared tasks only).
TRIALS = {
    "steady": {s: [1.0, 1.0, 1.0] for s in range(6)},
    "flaky": {0: [1.0, 0.0, 1.0], 1: [0.0, 0.0, 0.0], 2: [1.0, 1.0, 1.0], 3: [0.0, 0.0, 0.0], 4: [1.0, 1.0, 1.0],
              5: [0.0, 0.0, 0.0]},
    "lucky": {0: [0.0, 0.0, 0.0], 1: [0.0, 1.0, 0.0]},
}


def test_trial_zero_keeps_the_key_of_a_run_without_trials_and_later_trials_differ() -> None:
    single = plan(build_config(BASE))
    triple = plan(build_config({**BASE, "trials": 3}))
    assert len(triple) == 3 * len(single)
    assert {j.key for j in single} == {j.key for j in triple if j.trial == 0}
    assert len({j.key for j in triple}) == len(triple)


def test_seeded_agents_get_a_seed_per_trial_and_deterministic_ones_repeat() -> None:
    jobs = plan(build_config({**BASE, "trials": 3, "seeds": 1}))
    random_seeds = [j.agent_settings.get("seed") for j in jobs if j.agent == "random"]
    assert random_seeds == [None, 1, 2]
    assert all(j.agent_settings == {} for j in jobs if j.agent == "oracle")
    configured = {**BASE, "agents": [{"spec": "random", "seed": 10}], "trials": 3, "seeds": 1}
    assert [j.agent_settings["seed"] for j in plan(build_config(configured))] == [10, 11, 12]


def make_run(folder: Path) -> Path:
    with RunDir(folder).writer() as writer:
        for agent, by_seed in TRIALS.items():
            for seed, values in by_seed.items():
                for trial, success in enumerate(values):
                    writer.append(EpisodeResult(
                        key=f"{agent}-{seed}-{trial}", agent=agent, env=E1, seed=seed, length=8192, trial=trial,
                        score=EpisodeScore(success=success, outcome="correct" if success else "wrong"),
                        termination="submitted", steps=3))
    return folder


def test_the_confidence_figures_are_the_hand_worked_ones(tmp_path: Path) -> None:
    found = summarise(load_run(make_run(tmp_path / "run"))).confidence
    assert found is not None and found.trials == 3
    flaky = found.reliability[("flaky", E1)]
    # pass^3 per task: seed 0 has C(2,3)=0, seeds 2 and 4 pass all -> 2/6; pass@3: 3/6; flips on 1 of 6.
    assert (flaky.tasks, flaky.k) == (6, 3)
    assert abs(flaky.pass_hat_k.mean - 2 / 6) < 1e-12 and abs(flaky.pass_at_k.mean - 3 / 6) < 1e-12
    assert abs(flaky.flip_rate - 1 / 6) < 1e-12 and flaky.flip_tasks == 6  # type: ignore[operator]
    lucky = found.reliability[("lucky", E1)]
    assert lucky.pass_hat_k.mean == 0.0 and lucky.pass_at_k.mean == 0.5
    # lucky played seeds 0 and 1 only: the comparison with steady is over those two tasks.
    pair = found.pairs[("steady", "lucky")]
    assert pair.tasks == 2 and abs(pair.difference.mean - (1.0 + 2 / 3) / 2) < 1e-12
    assert pair.a_better == 2 and pair.b_better == 0
    assert found.ratings["steady"].mean > found.ratings["flaky"].mean > found.ratings["lucky"].mean


def test_both_reports_open_with_how_sure_are_we(tmp_path: Path) -> None:
    files = write_reports(make_run(tmp_path / "run"))
    markdown = files.markdown.read_text()
    html = files.html.read_text()
    assert markdown.index("## How sure are we") < markdown.index("## Leaderboard")
    for heading in ("### Reliability over trials", "### Pairwise significance",
                    "### Tasks needed to separate each pair", "### Bradley-Terry ratings"):
        assert heading in markdown
    assert "| flaky | LoCo-WikiHop-v0 | 6 | 3 | 0.33 [" in markdown
    assert "flaky flips on 17% of 6 tasks between identical trials; pass^3 = 0.33 against pass@3 = 0.50." in markdown
    assert html.index('id="how-sure"') < html.index('id="leaderboard"')
    for text in ("Pairwise significance", "Tasks needed to separate each pair", "Bradley-Terry ratings",
                 "pass^k [95% CI]", "flip rate"):
        assert text in html


def test_a_single_trial_run_says_pass_hat_k_was_not_measured(tmp_path: Path) -> None:
    with RunDir(tmp_path / "one").writer() as writer:
        for agent, success in (("a", 1.0), ("b", 0.0)):
            writer.append(EpisodeResult(key=agent, agent=agent, env=E1, seed=0, length=8192,
                                        score=EpisodeScore(success=success, outcome="x"), termination="submitted"))
    markdown = render_markdown(summarise(load_run(tmp_path / "one")))
    assert "Each task was played once, so pass^k and the flip rate are not measured" in markdown
    assert "cannot be told apart yet" in markdown  # one task is never enough to separate two agents


def test_means_carry_their_n(tmp_path: Path) -> None:
    markdown = render_markdown(summarise(load_run(make_run(tmp_path / "run"))))
    by_env = markdown.split("## Score by environment")[1].split("##")[0]
    assert "n=6" in by_env and "n=2" in by_env  # tasks: steady and flaky played six, lucky two


def test_a_chart_of_intervals_that_span_everything_is_not_drawn() -> None:
    wide = {"a": [(8192, Interval(0.33, 0.0, 1.0, 3))], "oracle": [(8192, Interval(1.0, 1.0, 1.0, 3))]}
    narrow = {"a": [(8192, Interval(0.5, 0.3, 0.7, 30))], "b": [(8192, Interval(0.33, 0.0, 1.0, 3))]}
    assert uninformative(wide)
    assert not uninformative(narrow)
    assert not uninformative({"oracle": [(8192, Interval(1.0, 1.0, 1.0, 3))]})


def test_leaderboard_intervals_resample_tasks_not_trials(tmp_path: Path) -> None:
    # Three identical trials of six tasks are six pieces of evidence, not eighteen.
    summary = summarise(load_run(make_run(tmp_path / "run")))
    flaky = next(row for row in summary.rows if row.agent == "flaky")
    assert flaky.episodes == 18 and flaky.score.n == 6
    assert abs(flaky.score.mean - (2 / 3 + 0 + 1 + 0 + 1 + 0) / 6) < 1e-12


def test_html_behaviour_means_carry_their_n(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    with RunDir(folder).writer() as writer:
        for seed in range(3):
            writer.append(EpisodeResult(key=f"a{seed}", agent="a", env=E1, seed=seed, length=8192,
                                        score=EpisodeScore(success=1.0, outcome="correct",
                                                           metrics={"stop.timely": 1.0}),
                                        termination="submitted"))
    html = write_reports(folder).html.read_text()
    assert "1.000 (n=3)" in html


def _random_run(folder: Path, rng: object, agents: int, tasks: int) -> Path:
    import random

    assert isinstance(rng, random.Random)
    skill = {f"agent{i}": rng.random() for i in range(agents)}
    with RunDir(folder).writer() as writer:
        for agent, p in [*skill.items(), ("oracle", 1.0)]:
            for seed in range(tasks):
                for trial in range(rng.choice([1, 2])):
                    success = 1.0 if agent == "oracle" else float(rng.random() < p)
                    writer.append(EpisodeResult(
                        key=f"{agent}-{seed}-{trial}", agent=agent, env=E1, seed=seed, length=8192, trial=trial,
                        score=EpisodeScore(success=success, outcome="correct" if success else "wrong"),
                        termination="submitted", steps=3, agent_privileged=agent == "oracle"))
    return folder


def test_no_finding_compares_with_the_reference_or_points_the_wrong_way(tmp_path: Path) -> None:
    import random
    import re

    from locogym.harness.report.confidence import task_id
    from locogym.harness.report.data import load_run as read_run

    rng = random.Random(7)
    for table in range(12):
        run = read_run(_random_run(tmp_path / f"run{table}", rng, agents=rng.choice([2, 3, 4]),
                                   tasks=rng.choice([4, 8, 20])))
        found = summarise(run).confidence
        assert found is not None and all("oracle" not in pair for pair in found.pairs)
        means: dict[str, dict[str, list[float]]] = {}
        for r in run.results:
            assert r.score is not None
            means.setdefault(r.agent, {}).setdefault(task_id(r), []).append(r.score.success)
        for sentence in found.findings:
            assert "oracle" not in sentence
            claim = re.match(r"(\S+) is ahead of (\S+): \+", sentence)
            if claim:
                first, second = claim.groups()
                shared = set(means[first]) & set(means[second])
                gap = sum(sum(means[first][t]) / len(means[first][t]) - sum(means[second][t]) / len(means[second][t])
                          for t in shared)
                assert gap > 0, sentence
                assert found.pairs.get((first, second), found.pairs.get((second, first))).p_value < 0.05


def test_ahead_needs_the_paired_test_not_only_a_bootstrap_interval(tmp_path: Path) -> None:
    with RunDir(tmp_path / "run").writer() as writer:
        for seed in range(6):  # heuristic wins 3 of 6 tasks and loses none: sign test p = 0.25
            for agent, success in (("heuristic", 1.0), ("noop", 1.0 if seed < 3 else 0.0)):
                writer.append(EpisodeResult(key=f"{agent}-{seed}", agent=agent, env=E1, seed=seed, length=8192,
                                            score=EpisodeScore(success=success, outcome="x"), termination="submitted"))
    found = summarise(load_run(tmp_path / "run")).confidence
    assert found is not None
    assert not any("is ahead of" in s for s in found.findings)
    assert any("cannot be told apart yet" in s and "tasks would be needed" in s for s in found.findings)
