"""Run-based questions on real-shaped Python code (literal calls, guarded runs) and the ``dispatch`` kind."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.scenarios.repo import dispatch, literal_runs, questions, run_questions
from locogym.scenarios.repo.answers import is_correct
from locogym.scenarios.repo.index import CodeIndex

REAL = {
    "pkg/__init__.py": "",
    "pkg/text.py": (
        "SEPARATOR = '-'\n\n\n"
        "def _words(name):\n    return [w for w in name.replace('_', ' ').split() if w]\n\n\n"
        "def slug(name: str) -> str:\n    return SEPARATOR.join(w.lower() for w in _words(name))\n"
    ),
    "pkg/api.py": (
        "from pkg.text import slug\n\n\n"
        "def title(name):\n    return slug(name).upper()\n\n\n"
        "DEFAULT = title('Hello big_World')\n\n\n"
        "def is_short(name):\n    return len(name) < 5\n\n\n"
        "CHECK = is_short('abc')\n\n\n"
        "def same(name):\n    return name.strip()\n\n\n"
        "ECHO = same('kept')\n"
    ),
}


def _keys(files: dict[str, str], kind: str) -> tuple[CodeIndex, list[tuple]]:
    index = CodeIndex.build(files, use_cache=False)
    return index, questions.question_keys(index, kind, 3, files)


def test_a_literal_call_the_project_writes_is_run_and_what_ran_is_the_evidence() -> None:
    index, keys = _keys(REAL, "return_value")
    key = ("return_value", "pkg.api.title", ("Hello big_World",))
    assert key in keys
    q = questions.build(index, key, "literal", REAL)
    assert q is not None and q.gold == "HELLO-BIG-WORLD"
    assert q.text.startswith("What does `pkg.api.title('Hello big_World')` return? On the way it runs other")
    assert q.files == ["pkg/api.py", "pkg/text.py"]  # title, then slug and _words in another file
    assert [s[0] for s in q.spans].count("pkg/text.py") == 2
    # a bool (a coin's guess) and an argument handed back are not asked
    assert not any(k[1] in {"pkg.api.is_short", "pkg.api.same"} for k in keys)


def test_the_evidence_files_alone_ask_the_same_as_the_whole_tree() -> None:
    index, keys = _keys(REAL, "return_value")
    key = ("return_value", "pkg.api.title", ("Hello big_World",))
    whole = questions.build(index, key, "literal", REAL)
    alone = {p: REAL[p] for p in ("pkg/api.py", "pkg/text.py")}  # no package __init__: it would not import
    again = questions.build(CodeIndex.build(alone, use_cache=False), key, "literal", alone)
    assert whole is not None and again is not None and (again.text, again.gold) == (whole.text, whole.gold)
    # a module constant the function reads is part of what the answer depends on: no stale answer is reused
    edited = {**alone, "pkg/text.py": REAL["pkg/text.py"].replace("'-'", "'+'")}
    moved = questions.build(CodeIndex.build(edited, use_cache=False), key, "literal", edited)
    assert moved is None or moved.gold == "HELLO+BIG+WORLD"


def test_an_argument_handed_on_unchanged_is_no_question() -> None:
    index, keys = _keys(REAL, "argument")
    key = ("argument", "pkg.api.title", "pkg.text._words", ("Hello big_World",))
    assert key not in keys  # _words gets title's own argument: a guess finds it (see test_py_argument_flow)
    assert questions.build(index, key, "literal", REAL) is None


def test_a_call_that_touches_the_world_is_stopped_and_not_asked(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    files = {
        "w/__init__.py": "",
        "w/io.py": (
            "import os\n\n\n"
            f"def save(path={str(target)!r}):\n    with open(path, 'w') as f:\n        f.write('x')\n"
            "    return 'saved'\n\n\n"
            "def home(name: str = 'HOME'):\n    return os.environ.get(name, 'none') + os.getcwd()\n"
        ),
    }
    ran = literal_runs.run_calls(files, [("w.io", "save", ()), ("w.io", "home", ())])
    assert ("w.io", "save", ()) not in ran  # writing a file is stopped by the audit hook
    assert ("w.io", "home", ()) not in ran  # the two runs sit in different folders: a path is no answer
    assert not target.exists()


def test_a_value_that_depends_on_what_ran_before_is_not_asked() -> None:
    files = {
        "s/__init__.py": "",
        "s/state.py": (
            "COUNT = [0]\n\n\n"
            "def bump(step: int = 1):\n    COUNT[0] += step\n    return COUNT[0] + 100\n\n\n"
            "def peek(extra: int = 0):\n    return COUNT[0] + extra + 7\n"
        ),
    }
    ran = literal_runs.run_calls(files, [("s.state", "bump", ()), ("s.state", "peek", ())])
    assert ("s.state", "peek", ()) not in ran  # 8 after bump, 7 before it: the two runs disagree
    assert ran[("s.state", "bump", ())][0] == 101


HIERARCHY = {
    "h/__init__.py": "",
    "h/base.py": "class A:\n    def m(self):\n        return 'A'\n\n    def n(self):\n        return 1\n",
    "h/mid.py": (
        "from h.base import A\n\n\n"
        "class B(A):\n    pass\n\n\n"
        "class C(A):\n    def m(self):\n        return 'C'\n"
    ),
    "h/leaf.py": (
        "from h.mid import B, C\nfrom json import JSONDecoder\n\n\n"
        "class D(B, C):\n    pass\n\n\n"
        "class E(JSONDecoder):\n    def decode(self, s):\n        return s\n\n\n"
        "class F(E):\n    pass\n"
    ),
}


def test_dispatch_follows_the_c3_order_not_a_depth_first_walk() -> None:
    index = CodeIndex.build(HIERARCHY, use_cache=False)
    assert dispatch.mro(index, "h.leaf.D", HIERARCHY) == ["h.leaf.D", "h.mid.B", "h.mid.C", "h.base.A"]
    keys = questions.question_keys(index, "dispatch", 3, HIERARCHY)
    q = questions.build(index, ("dispatch", "h.leaf.D", "m"), "literal", HIERARCHY)
    assert ("dispatch", "h.leaf.D", "m") in keys and q is not None
    assert q.gold == "h.mid.C.m"  # depth first through B would reach A.m; Python's MRO puts C before A
    assert "method resolution order" in q.text and q.answer_kind == "qualname"
    # a method defined once on the way is no override to follow; an installed base leaves the order unknown
    assert ("dispatch", "h.leaf.D", "n") not in keys
    assert not any(k[1] in {"h.leaf.E", "h.leaf.F"} for k in keys)


def test_dispatch_gold_is_checked_against_the_interpreters_mro() -> None:
    asks = [("h.leaf", "D", "m"), ("h.leaf", "D", "n"), ("h.nowhere", "X", "m")]
    assert literal_runs.owners(HIERARCHY, asks) == {asks[0]: "h.mid.C.m", asks[1]: "h.base.A.n", asks[2]: ""}


def test_a_sequence_value_is_right_as_a_tuple_or_a_list_with_the_same_items() -> None:
    gold = ["'", "parser.", "True"]  # a tuple gold, as JSON stores it
    assert is_correct("value", ("'", "parser.", "True"), gold)
    assert is_correct("value", "(\"'\", 'parser.', 'True')", gold) and is_correct("value", str(gold), gold)
    assert not is_correct("value", ("'", "parser."), gold) and not is_correct("value", ["'", "parser.", True], gold)


def test_call_text_writes_python_literals() -> None:
    assert run_questions.call_text("p.f", (3, "a'b", None)) == "p.f(3, \"a'b\", None)"


@pytest.mark.slow
def test_text_search_scores_at_most_three_tenths_on_a_real_project() -> None:
    """The floor on real code: on click's default mix, grep at most 0.3, the oracle 1 and noop 0 (8k).

    At 8k click asks three kinds, and grep answers two of them (definitions and direct callers), which the mix
    draws first on a fifth of the seeds. Over 8 seeds that chance alone can reach 3 of 8 (seeds 0-7 do), so the
    floor is measured over 20 (0.25)."""
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source="package:click")
    scores: dict[str, list[float]] = {"grep": [], "oracle": [], "noop": []}
    try:
        for seed in range(20):
            for agent, got in scores.items():
                traj = locogym.run_episode(env, make_agent(agent), seed=seed, options={"length": "8k"})
                got.append(traj.score.success)
    finally:
        env.close()
    assert min(scores["oracle"]) == 1.0 and max(scores["noop"]) == 0.0
    assert sum(scores["grep"]) / len(scores["grep"]) <= 0.3, scores["grep"]
