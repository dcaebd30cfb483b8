"""Cheap reviewers on LoCo-RepoReview-v0 get what they deserve: flagging every hunk, filtering hunks by how they
look, guessing; the model-free heuristic that runs the touched functions scores above 0; oracle 1, noop 0."""

from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.core.types import Task, ToolCall
from locogym.scenarios.defects.diffblocks import Block, function_at, labelled_blocks, old_files, score_flagged
from locogym.scenarios.defects.gold import ReviewGold
from locogym.testing import ScriptedAgent

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SEEDS = (0, 1, 2, 3)
_WORD = re.compile(r"[A-Za-z_]\w*|\d+|\S")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a gym env
    made = gym.make("LoCo-RepoReview-v0", sandbox="local", cache_dir=str(tmp_path_factory.mktemp("runcache")))
    yield made
    made.close()


@pytest.fixture(scope="module")
def tasks(env) -> list[Task]:  # noqa: ANN001
    base = env.unwrapped
    return [base.generate(base.make_config(seed, {"length": 6_000, "tier": "refactor"})) for seed in SEEDS]


def _mean_f1(tasks: list[Task], choose) -> float:  # noqa: ANN001 - a block filter
    scores = []
    for task in tasks:
        blocks = labelled_blocks(task.prompt, task.gold_as(ReviewGold))
        scores.append(score_flagged(task, [b for b in blocks if choose(b)])["f1"])
    return statistics.fmean(scores)


def _sides(block: Block) -> tuple[list[str], list[str]]:
    old = [ln[1:] for ln in block.text.splitlines() if ln.startswith("-")]
    new = [ln[1:] for ln in block.text.splitlines() if ln.startswith("+")]
    return old, new


def looks_like_a_refactor(block: Block) -> bool:
    """The shapes a diff-only filter would call harmless: comments, docstrings, renames, moved or added code."""
    old, new = _sides(block)
    if not old and new:  # only additions: a comment, an extracted helper
        return True
    if old and new and sorted(old) == sorted(new):  # moved lines
        return True
    stripped = [ln.strip() for ln in new]
    if any(s.startswith(("#", '"""', "def ")) for s in stripped):
        return True
    old_words, new_words = _WORD.findall(" ".join(old)), _WORD.findall(" ".join(new))
    if len(old_words) == len(new_words) and all(a == b or (a.isidentifier() and b.isidentifier())
                                                 for a, b in zip(old_words, new_words, strict=True)):
        return any(a != b for a, b in zip(old_words, new_words, strict=True) if not a.isdigit())  # a rename
    return False


def one_token_change(block: Block) -> bool:
    """The shape of most injected bugs: one line, one operator or number different."""
    old, new = _sides(block)
    if len(old) != 1 or len(new) != 1:
        return False
    a, b = _WORD.findall(old[0]), _WORD.findall(new[0])
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def deletes_a_guard(block: Block) -> bool:
    """The shape of a removed guard: an ``if`` line goes and nothing takes its place."""
    old, new = _sides(block)
    return any(ln.strip().startswith("if ") for ln in old) and not any(ln.strip().startswith(("if ", "return "))
                                                                       and " if " not in ln.strip() for ln in new)


def negates_a_condition(block: Block) -> bool:
    """The shape of an inverted condition: a ``not (`` appears on an ``if`` line."""
    old, new = _sides(block)
    return any("not (" in ln for ln in new) and not any("not (" in ln for ln in old)


def changes_one_number(block: Block) -> bool:
    """The shape of a changed constant: one number differs, everything else on the line is the same."""
    old, new = _sides(block)
    if len(old) != 1 or len(new) != 1:
        return False
    a, b = _WORD.findall(old[0]), _WORD.findall(new[0])
    changed = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    return len(a) == len(b) and len(changed) == 1 and changed[0][0].isdigit() and changed[0][1].isdigit()


# ------------------------------------------------------------------------------------------ differential tester
_PROBE = r"""
import importlib, json, signal, sys
sys.path.insert(0, sys.argv[1])
spec = json.load(open(sys.argv[2]))
def stop(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, stop)
def outcome(call):
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        return repr(call())[:200]
    except BaseException as exc:  # noqa: BLE001 - an exception is an outcome to compare
        return "raise " + type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
out = {}
for key, (module, qualname, init, inputs) in spec.items():
    try:
        target = importlib.import_module(module)
        owner, _, name = qualname.rpartition(".")
        if owner:
            target = getattr(target, owner)(*init)
        func = getattr(target, name)
    except BaseException as exc:  # noqa: BLE001
        out[key] = ["missing " + type(exc).__name__]
        continue
    out[key] = [outcome(lambda a=args: func(*a)) for a in [tuple(x) for x in inputs] for args in [a]]
print(json.dumps(out))
"""


def _diff_of(task: Task) -> str:
    return task.prompt.split("```diff\n", 1)[1].rsplit("```", 1)[0]


def _arguments(source: str, params: int, rng: random.Random) -> list[list[int]]:
    """Random integers in [-100, 100] and the boundaries of every integer the function's source holds."""
    constants = {int(c) for c in re.findall(r"(?<![\w.])\d+(?![\w.])", source)}
    edges = sorted({v for c in constants | {0} for v in (c - 1, c, c + 1, -c)})
    pool = [*edges, *(rng.randint(-100, 100) for _ in range(40))]
    if params == 1:
        return [[v] for v in pool]
    return [[rng.choice(pool) for _ in range(params)] for _ in range(len(pool) * 2)]


def _param_count(text: str, qualname: str) -> tuple[int, int] | None:
    """(positional parameters of the function, of its class's ``__init__``) without ``self``; None if it takes
    anything but plain positional parameters."""
    import ast

    tree = ast.parse(text)
    owner, _, name = qualname.rpartition(".")
    scope = tree.body
    init = 0
    if owner:
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if cls is None:
            return None
        scope = cls.body
        ctor = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        init = len(ctor.args.args) - 1 if ctor else 0
    func = next((n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name), None)
    if func is None or func.args.vararg or func.args.kwonlyargs or func.args.kwarg:
        return None
    return len(func.args.args) - (1 if owner else 0), init


def _run_probe(root: Path, files: dict[str, str], spec: dict[str, list]) -> dict[str, list[str]]:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "probe.json").write_text(json.dumps(spec))
    done = subprocess.run([sys.executable, "-c", _PROBE, str(root), str(root / "probe.json")], capture_output=True,
                          text=True, timeout=300, cwd=root, check=True)
    return json.loads(done.stdout)


def differential_flags(task: Task, scratch: Path) -> list[Block]:
    """A reviewer that runs the code: every change block inside a function whose old and new versions give a
    different result (or exception) on random integers in [-100, 100] or on the boundaries of the function's
    constants. It reads the old version off the diff, as an agent would."""
    new = {p: t for p, t in task.workspace.items() if p.endswith(".py")}
    old = {**new, **old_files(_diff_of(task), new)}
    by_function: dict[str, list[Block]] = {}
    for block in labelled_blocks(task.prompt, task.gold_as(ReviewGold)):
        qualname = function_at(new.get(block.path, ""), block.line)
        if qualname and block.path.endswith(".py"):
            by_function.setdefault(f"{block.path}::{qualname}", []).append(block)
    rng = random.Random(0)
    spec: dict[str, list] = {}
    for key in sorted(by_function):
        path, _, qualname = key.partition("::")
        counts = _param_count(new[path], qualname)
        if counts is not None and path in old:
            module = path.removesuffix(".py").removeprefix("src/").replace("/", ".").removesuffix(".__init__")
            spec[key] = [module, qualname, [3] * counts[1],
                         _arguments(old[path] + new[path], counts[0], rng)]
    before = _run_probe(scratch / "old", old, spec)
    after = _run_probe(scratch / "new", new, spec)
    return [b for key, blocks in by_function.items() if key in spec and before.get(key) != after.get(key)
            for b in blocks]


@pytest.mark.slow
def test_flagging_every_hunk_scores_the_base_rate(tasks: list[Task]) -> None:
    flag_all = [score_flagged(t, labelled_blocks(t.prompt, t.gold_as(ReviewGold))) for t in tasks]
    assert statistics.fmean(m["recall"] for m in flag_all) == 1.0
    assert statistics.fmean(m["f1"] for m in flag_all) < 0.25
    # it cries wolf at nearly every harmless edit (a benign edit in the same block as a defect is matched to the
    # defect, not counted against the reviewer, hence not always all of them)
    assert statistics.fmean(m["benign_fp_rate"] for m in flag_all) > 0.9
    assert all(m["benign_fp_rate"] > 0.8 for m in flag_all), [m["benign_fp_rate"] for m in flag_all]


@pytest.mark.slow
def test_diff_only_pattern_filters_do_no_better_than_flagging_everything(tasks: list[Task]) -> None:
    flag_all = _mean_f1(tasks, lambda b: True)
    refactor_filter = _mean_f1(tasks, lambda b: not looks_like_a_refactor(b))
    bug_shape = _mean_f1(tasks, one_token_change)
    assert refactor_filter <= flag_all + 0.1, (refactor_filter, flag_all)
    assert bug_shape <= flag_all + 0.15, (bug_shape, flag_all)
    for shape in (deletes_a_guard, negates_a_condition, changes_one_number):  # one defect operator's shape each
        assert _mean_f1(tasks, shape) <= flag_all + 0.15, (shape.__name__, _mean_f1(tasks, shape), flag_all)


@pytest.mark.slow
def test_guessing_one_hunk_per_task_without_reading_scores_little(tasks: list[Task]) -> None:
    import random

    rng = random.Random(0)
    scores = []
    for task in tasks:
        blocks = labelled_blocks(task.prompt, task.gold_as(ReviewGold))
        shaped = [b for b in blocks if one_token_change(b)] or blocks
        scores.append(score_flagged(task, [rng.choice(shaped)])["f1"])
    assert statistics.fmean(scores) < 0.35


@pytest.mark.slow
def test_every_benign_edit_was_validated_and_every_defect_is_caught(env, tasks: list[Task]) -> None:  # noqa: ANN001
    for task in tasks:
        assert task.meta["refactors"] >= 4 and task.gold["defects"]
        assert all(d["kind"] for d in task.gold["defects"])
        assert task.gold["fail_to_pass"]  # the defects make passing tests fail
        kinds = {b["kind"] for b in task.meta["benign"]}
        assert kinds & {"swapped_operands", "equivalent_bound", "negated_condition", "folded_constant",
                        "reordered_arguments", "conditional_return", "flipped_branches"}


def test_heuristic_scores_above_zero_and_oracle_and_noop_bracket_it(env) -> None:  # noqa: ANN001
    heuristic = [locogym.run_episode(env, locogym.make_agent("heuristic"), seed=s, options={"length": 6_000})
                 for s in SEEDS[:2]]
    assert statistics.fmean(t.score.success for t in heuristic) > 0
    assert all(t.steps[-1].call is not None and t.steps[-1].call.name == "submit" for t in heuristic)
    oracle = locogym.run_episode(env, locogym.make_agent("oracle"), seed=SEEDS[0], options={"length": 6_000})
    noop = locogym.run_episode(env, locogym.make_agent("noop"), seed=SEEDS[0], options={"length": 6_000})
    assert oracle.score.success == 1.0 and noop.score.success == 0.0


def test_tampering_with_the_workspace_does_not_change_the_grade(env) -> None:  # noqa: ANN001
    env.reset(seed=SEEDS[1], options={"length": 6_000})
    task = env.unwrapped.task
    findings = task.oracle_plan[-1]
    tamper = [ToolCall(name="write_file", arguments={"path": "locogym.toml", "content": "[arena]\n"}),
              ToolCall(name="run", arguments={"cmd": "rm -rf tests"})]
    traj = locogym.run_episode(env, ScriptedAgent([*tamper, findings]), seed=SEEDS[1], options={"length": 6_000})
    assert traj.score.success == 1.0
    blocks = labelled_blocks(task.prompt, task.gold_as(ReviewGold))
    flood = {"answer": [{"path": b.path, "line": b.line} for b in blocks] * 3}
    traj = locogym.run_episode(env, ScriptedAgent([ToolCall(name="submit", arguments=flood)]), seed=SEEDS[1],
                               options={"length": 6_000})
    assert traj.score.metrics["recall"] == 1.0 and traj.score.success < 0.2


@pytest.mark.slow
def test_the_same_seed_gives_the_same_review_task(env, tasks: list[Task]) -> None:  # noqa: ANN001
    base = env.unwrapped
    again = base.generate(base.make_config(SEEDS[0], {"length": 6_000, "tier": "refactor"}))
    assert again.model_dump() == tasks[0].model_dump()
    assert again.meta["benign_dropped"] == tasks[0].meta["benign_dropped"]


@pytest.mark.slow
def test_a_differential_tester_finds_the_defects_of_the_easy_tier(env, tmp_path: Path) -> None:  # noqa: ANN001
    base = env.unwrapped
    tasks = [base.generate(base.make_config(seed, {"length": 8_192, "tier": "refactor"})) for seed in SEEDS]
    scores = [score_flagged(t, differential_flags(t, tmp_path / str(i)))["f1"] for i, t in enumerate(tasks)]
    assert statistics.fmean(scores) >= 0.6, scores  # the refactor-only mix is an easy tier: running code solves it


@pytest.mark.slow
def test_a_differential_tester_is_no_reviewer_on_the_default_tier(env, tmp_path: Path) -> None:  # noqa: ANN001
    """Intended changes behave differently too: running the code flags them with the bugs.

    Four tasks keep the test affordable; on 24 (seeds 100-123 at 8k, read from a task store) the tester scored
    F1 0.23 with recall 0.81, and 0.29 on seeds 0-23."""
    base = env.unwrapped
    tasks = [base.generate(base.make_config(seed, {"length": 8_192})) for seed in SEEDS]
    scores = [score_flagged(t, differential_flags(t, tmp_path / str(i))) for i, t in enumerate(tasks)]
    assert statistics.fmean(m["f1"] for m in scores) <= 0.5, [m["f1"] for m in scores]
    assert statistics.fmean(m["recall"] for m in scores) >= 0.5  # it does run the code: it finds most defects
    for seed in SEEDS[:2]:
        oracle = locogym.run_episode(env, locogym.make_agent("oracle"), seed=seed, options={"length": 8_192})
        noop = locogym.run_episode(env, locogym.make_agent("noop"), seed=seed, options={"length": 8_192})
        assert oracle.score.success == 1.0 and noop.score.success == 0.0


def _test_names(files: dict[str, str]) -> tuple[set[str], set[str]]:
    """(names a test module imports and never uses, names the test modules use)."""
    from locogym.scenarios.defects.hide import imported_and_used_names

    return imported_and_used_names(files)


@pytest.mark.slow
def test_what_is_withheld_gives_no_function_away(tasks: list[Task]) -> None:
    """No test module imports a function it never calls, and "the blocks of functions no test names" is every
    changed function's blocks: the function prior scores what flagging everything does."""
    margins = []
    for task in tasks:
        unused, used = _test_names(task.workspace)
        assert not unused, unused
        blocks = labelled_blocks(task.prompt, task.gold_as(ReviewGold))
        untested = [b for b in blocks if (function_at(task.workspace[b.path], b.line) or "").rsplit(".", 1)[-1]
                    not in used | {""}]
        margins.append(score_flagged(task, untested)["f1"] - score_flagged(task, blocks)["f1"])
    assert statistics.fmean(margins) <= 0.05, margins
