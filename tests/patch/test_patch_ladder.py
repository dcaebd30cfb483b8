"""LoCo-RepoPatch-v0 and LoCo-RepoReview-v0 keep one task at every length: the core (the question, the typed gold,
the core hash) is the same on every rung of the ladder while the project and the diff grow around it; the gold
recomputed on the longest context is the core's; a fill that moves the gold is rejected; depth places the
evidence; a length below the first rung is refused."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym
import pytest

import locogym
from locogym.core.errors import DataError, TaskRefused
from locogym.core.types import Task, dumps
from locogym.envs.defects import DefectEnv
from locogym.envs.repo_review import RepoReviewEnv
from locogym.scenarios.defects import growth
from locogym.scenarios.defects.gold import PatchGold, ReviewGold
from locogym.scenarios.defects.placement import hunk_starts, listing_depth, place_sections, source_listing
from locogym.scenarios.defects.review import diff_sections
from locogym.scenarios.defects.review_grading import Location
from locogym.scenarios.defects.tasks import Context, defect_records, inject_for, moved_defects
from locogym.scenarios.repo import SourceTree

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
ENVS = ("LoCo-RepoPatch-v0", "LoCo-RepoReview-v0")
# Every fifth seed of 0-49: each one validates its core and two grown projects (about 10 s a seed), so the whole
# range runs in `python bench/length.py --envs LoCo-RepoPatch-v0,LoCo-RepoReview-v0 --seeds 50`, which checks the
# same core on every rung and counts refusals with their reasons.
SWEEP_SEEDS = range(0, 50, 5)
MAX_REFUSED_SHARE = 0.05


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("runcache"))


@pytest.fixture(scope="module")
def made(cache: str) -> Iterator[dict[str, gym.Env]]:
    envs = {env_id: gym.make(env_id, sandbox="local", cache_dir=cache) for env_id in ENVS}
    yield envs
    for env in envs.values():
        env.close()


@pytest.fixture(scope="module")
def envs(made: dict[str, gym.Env]) -> dict[str, DefectEnv]:
    return {env_id: env.unwrapped for env_id, env in made.items()}  # type: ignore[misc]


def _generate(base: DefectEnv, seed: int, length: str, **options: Any) -> Task:
    return base.task_for(base.make_config(seed, {"length": length, **options}))


def _core_of(task: Task) -> tuple[str, str, bytes, float | None]:
    return task.core_hash, task.question, dumps(task.gold), task.depth


def _climb(base: DefectEnv, seed: int) -> list[Task]:
    """The seed's task on every rung; asserts one core and a context that grows."""
    made = [_generate(base, seed, rung) for rung in base.ladder]
    assert len({_core_of(t) for t in made}) == 1, f"seed {seed}: the core changed with the length"
    assert all(t.core_hash and t.question and t.depth is not None for t in made)
    sizes = [t.length_tokens for t in made]
    assert sizes == sorted(set(sizes)), f"seed {seed}: the context did not grow ({sizes})"
    assert len({t.content_hash for t in made}) == len(made)
    return made


# ---------------------------------------------------------------------------------------------- the ladder
@pytest.mark.parametrize("env_id", ENVS)
def test_one_core_on_every_rung(envs: dict[str, DefectEnv], env_id: str) -> None:
    base = envs[env_id]
    assert base.ladder == ("4k", "8k", "32k") and growth.CORE_TOKENS == 4096
    made = _climb(base, 0)
    if env_id == "LoCo-RepoPatch-v0":
        assert all(t.prompt == t.question for t in made)  # the issue is the whole prompt: the same everywhere
        gold = made[0].gold_as(PatchGold)
        grown = made[-1].meta["context_pass_to_pass"]
        assert grown and not set(grown) & {*gold.pass_to_pass, *gold.fail_to_pass}  # the fill's own tests
        assert made[0].meta["context_pass_to_pass"] == []
    else:
        assert all(t.prompt.startswith(t.question + "\n\n```diff\n") for t in made)
        benign = [len(t.meta["benign"]) for t in made]
        assert benign == sorted(benign) and benign[0] < benign[-1]  # more benign hunks at longer lengths
        core = set(made[0].meta["benign"][i]["id"] for i in range(len(made[0].meta["benign"])))
        assert core <= {b["id"] for b in made[-1].meta["benign"]}  # the core's own edits stay
    again = gym.make(env_id, sandbox="local", cache_dir=base.cache_dir)  # another process would do the same
    try:
        assert _generate(again.unwrapped, 0, "32k").content_hash == made[-1].content_hash  # type: ignore[arg-type]
    finally:
        again.close()


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ENVS)
def test_one_core_on_every_rung_across_seeds_0_to_49(envs: dict[str, DefectEnv], env_id: str) -> None:
    """Seeds spread over 0-49 on the ladder: one core on every rung, at most 5% refused, each with its reason."""
    base = envs[env_id]
    refused: list[str] = []
    for seed in SWEEP_SEEDS:
        try:
            _climb(base, seed)
        except (TaskRefused, DataError) as exc:
            refused.append(f"seed {seed}: {exc}")
    print("\n".join(["refused:", *refused]) if refused else "refused: none")
    assert len(refused) <= MAX_REFUSED_SHARE * len(SWEEP_SEEDS), refused


def test_a_length_below_the_first_rung_is_refused(envs: dict[str, DefectEnv]) -> None:
    for base in envs.values():
        with pytest.raises(TaskRefused, match=r"cannot hold this task's core.*4k"):
            _generate(base, 0, "2k")


# ---------------------------------------------------------------------------------------------- the gold
def _grown_tree(base: DefectEnv, task: Task, seed: int, length: str) -> tuple[Any, Any, SourceTree]:
    config = base.make_config(seed, {"length": length})
    core = base.core(config)
    tree = growth.grown_project(config, core.tree, base.synthetic_branch_share, task.meta["fill"])
    assert tree.files != core.tree.files
    return config, core, tree


@pytest.mark.slow
def test_the_gold_recomputed_on_the_longest_context_is_the_cores(envs: dict[str, DefectEnv]) -> None:
    """The defects drawn and validated on the 32k project, by the code that draws and validates the core's on the
    4k one, are the same defects caught by the same tests; a review's defect lines in the whole 32k change are
    the gold's."""
    patch = envs["LoCo-RepoPatch-v0"]
    task = _generate(patch, 2, "32k")
    config, core, tree = _grown_tree(patch, task, 2, "32k")
    again = inject_for(tree, core.seeding, patch.settings(config), patch.get_sandbox, patch.grading_backend(),
                       patch.run_cache(), patch.min_catching_tests, patch.defect_rank(core.seeding, core.tree))
    gold = task.gold_as(PatchGold)
    assert defect_records(again, tree.files) == gold.defects
    assert again.fail_to_pass == gold.fail_to_pass
    assert sorted(again.pass_to_pass) == sorted([*gold.pass_to_pass, *task.meta["context_pass_to_pass"]])

    review = envs["LoCo-RepoReview-v0"]
    assert isinstance(review, RepoReviewEnv)
    task = _generate(review, 2, "32k")
    config, core, tree = _grown_tree(review, task, 2, "32k")
    injection = inject_for(tree, core.seeding, review.settings(config), review.get_sandbox,
                           review.grading_backend(), review.run_cache())
    context = Context(tree=tree, seeding=review.context_seeding(config, core), fill=task.meta["fill"])
    core_refactors, _, _ = review.core_change(core)
    refactors, _ = review.context_refactors(config, core, context, core_refactors)
    change = review.change(tree.files, core, [*core_refactors, *refactors], injection)
    assert change.defects == task.gold_as(ReviewGold).defects
    assert injection.fail_to_pass == task.gold_as(ReviewGold).fail_to_pass


def _copies_of_core_tests(core: SourceTree) -> dict[str, str]:
    """A fill that moves the gold: test modules of its own that run the core's tests (so they catch the core's
    defects, which no test of a fill may do)."""
    return {path.replace("tests/test_", "tests/test_fillcopy_"): text for path, text in core.files.items()
            if path.startswith("tests/test_")}


def _corrupting(base: DefectEnv, bad: int) -> Callable[..., list[tuple[int | None, SourceTree]]]:
    """``fill_candidates`` whose first ``bad`` grown projects carry copies of the core's tests."""
    original = base.fill_candidates

    def candidates(config: Any, core: Any) -> list[tuple[int | None, SourceTree]]:
        found = original(config, core)
        out = []
        for i, (fill, tree) in enumerate(found):
            if i < bad:
                files = {**tree.files, **_copies_of_core_tests(core.tree)}
                tree = SourceTree(name=tree.name, files=files, origin=tree.origin, meta=tree.meta)
            out.append((fill, tree))
        return out

    return candidates


@pytest.mark.parametrize("env_id", [ENVS[0], pytest.param(ENVS[1], marks=pytest.mark.slow)])
def test_a_fill_that_moves_the_gold_is_rejected(envs: dict[str, DefectEnv], env_id: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    base = envs[env_id]
    clean = _generate(base, 1, "8k")
    monkeypatch.setattr(base, "fill_candidates", _corrupting(base, 1))
    task = base.generate(base.make_config(1, {"length": "8k"}))
    rejected = task.meta["fill_rejected"]
    assert len(rejected) == 1 and "test_fillcopy_" in rejected[0]["reason"], rejected
    assert task.meta["fill"] != rejected[0]["fill"]
    assert _core_of(task) == _core_of(clean)  # the next fill of the stream keeps the gold
    monkeypatch.setattr(base, "fill_candidates", _corrupting(base, growth.MAX_FILL_ATTEMPTS))
    with pytest.raises(TaskRefused, match=r"seed 1 at length=8,192: 3 fill\(s\)"):
        base.generate(base.make_config(1, {"length": "8k"}))


def test_moved_defect_lines_are_named() -> None:
    from locogym.scenarios.defects.review import ReviewChange

    at = Location(id="d", kind="comparison", path="p.py", line=10, end_line=10)
    moved = at.model_copy(update={"line": 12, "end_line": 12})
    core = ReviewChange(files_after={}, diff="", defects=[at])
    assert moved_defects(core, core) is None
    assert "p.py:10-10 -> p.py:12-12" in str(moved_defects(core, core.model_copy(update={"defects": [moved]})))


# ---------------------------------------------------------------------------------------------- depth
def _sections(hunks: dict[str, int]) -> dict[str, str]:
    return {p: f"diff --git a/{p} b/{p}\n" + "".join(f"@@ -{10 * i + 1},3 +{10 * i + 1},3 @@\n x\n"
                                                     for i in range(n)) for p, n in hunks.items()}


def test_review_depth_puts_the_defect_block_where_asked() -> None:
    sections = _sections({"a.py": 3, "b.py": 2, "c.py": 4, "d.py": 1, "e.py": 2})
    defect = Location(id="d", kind="comparison", path="c.py", line=11, end_line=11)  # its file's second hunk
    assert [s for s in hunk_starts(sections["c.py"])] == [(1, 3), (11, 13), (21, 23), (31, 33)]
    order, depth = place_sections(sections, [defect], 0.0, random.Random(0))
    assert order[0] == "c.py" and depth == pytest.approx(1 / 11, abs=1e-4)
    order, depth = place_sections(sections, [defect], 1.0, random.Random(0))
    assert order[-1] == "c.py" and depth == pytest.approx(9 / 11, abs=1e-4)
    _, middle = place_sections(sections, [defect], 0.5, random.Random(0))
    assert abs(middle - 0.5) <= 2 / 11


@pytest.mark.parametrize("env_id", ENVS)
def test_depth_places_the_evidence_and_is_recorded(envs: dict[str, DefectEnv], env_id: str) -> None:
    base = envs[env_id]
    start = _generate(base, 0, "8k", depth="start")
    end = _generate(base, 0, "8k", depth="end")
    assert (start.depth, end.depth) == (0.0, 1.0)  # the asked depth: the same at every length
    assert start.meta["realised_depth"] < end.meta["realised_depth"]  # where the evidence ended up
    assert start.core_hash != end.core_hash  # depth is part of the core
    if env_id == "LoCo-RepoReview-v0":
        assert start.meta["realised_depth"] <= 0.25 and end.meta["realised_depth"] >= 0.75
        assert start.gold == end.gold  # a review's defects do not depend on where they are shown
        assert start.question == end.question
    else:
        paths = [d["path"] for d in end.gold["defects"]]
        assert end.meta["realised_depth"] == listing_depth(end.workspace or {}, paths)
        assert paths[0] in source_listing(end.workspace or {})


def test_review_sections_are_the_diff() -> None:
    before = {"a.py": "x = 1\n", "b.py": "y = 2\n"}
    after = {"a.py": "x = 3\n", "b.py": "y = 2\n"}
    sections = diff_sections(before, after)
    assert list(sections) == ["a.py"] and sections["a.py"].startswith("diff --git a/a.py b/a.py\n")


# ---------------------------------------------------------------------------------------------- agents
@pytest.mark.parametrize("env_id", ENVS)
def test_oracle_one_and_noop_zero_at_the_longest_rung(made: dict[str, gym.Env], env_id: str) -> None:
    _check_oracle_and_noop(made[env_id], 0, "32k")


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ENVS)
@pytest.mark.parametrize("seed", [1, 2])
def test_oracle_one_and_noop_zero_on_every_rung(made: dict[str, gym.Env], envs: dict[str, DefectEnv], env_id: str,
                                               seed: int) -> None:
    for rung in envs[env_id].ladder:
        _check_oracle_and_noop(made[env_id], seed, rung)


def _check_oracle_and_noop(env: gym.Env, seed: int, length: str) -> None:
    oracle = locogym.run_episode(env, locogym.make_agent("oracle"), seed=seed, options={"length": length})
    noop = locogym.run_episode(env, locogym.make_agent("noop"), seed=seed, options={"length": length})
    assert oracle.score is not None and noop.score is not None
    assert oracle.score.success == 1.0, (length, oracle.score)
    assert noop.score.success == 0.0, (length, noop.score)
    assert oracle.core_hash == noop.core_hash == oracle.task.core_hash  # type: ignore[union-attr]


def test_the_heuristic_patch_agent_plays_a_grown_task(made: dict[str, gym.Env]) -> None:
    traj = locogym.run_episode(made["LoCo-RepoPatch-v0"], locogym.make_agent("heuristic"), seed=0,
                               options={"length": "8k"})
    assert traj.score is not None and traj.termination == "submitted"
    assert [s.call.name for s in traj.steps if s.call is not None][0] == "run_tests"
