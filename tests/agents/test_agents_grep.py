"""The ``grep`` baseline: text search only, on every leaderboard, and what it can and cannot answer."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.agents import BASELINES, make_agent
from locogym.agents.grep import declarations, qualify
from locogym.harness.schedule import BASELINE_AGENTS, preset_config

INDEX_TOOLS = {"find_symbol", "find_references", "repo_map"}


def test_grep_is_a_baseline_of_every_preset_tournament() -> None:
    assert "grep" in BASELINES and "grep" in BASELINE_AGENTS
    assert "grep" in [a.spec for a in preset_config(out="runs/x").agents]
    assert make_agent("grep").name == "grep"


def test_python_declarations_are_read_from_indentation() -> None:
    lines = [
        "class Api:",
        "    def run(self):",
        "        def inner():",
        "            return g()",
        "        return 1",
        "",
        "def top(x):",
        "    return x",
    ]
    decls = {d.chain: (d.start, d.end) for d in declarations("pkg/mod.py", lines)}
    assert decls == {"Api": (1, 5), "Api.run": (2, 5), "Api.run.inner": (3, 4), "top": (7, 8)}
    inner = next(d for d in declarations("pkg/mod.py", lines) if d.name == "inner")
    assert qualify("pkg/mod.py", inner) == "pkg.mod.Api.run.inner"
    assert qualify("src/pkg/__init__.py", None) == "pkg"


def test_go_and_typescript_declarations_are_read_from_braces() -> None:
    go = [
        "package p",
        "",
        "func (r *Reader) Read(b []byte) int {",
        "\treturn helper(b)",
        "}",
        "",
        "func helper(b []byte) int {",
        '\ts := "}"',
        "\treturn len(s)",
        "}",
    ]
    assert {d.chain: (d.start, d.end) for d in declarations("p/r.go", go)} == {
        "Reader.Read": (3, 5),
        "helper": (7, 10),
    }
    ts = [
        "export class Store {",
        "  static load(key: string): number {",
        "    const parse = async () => get(key);",
        "    return 1;",
        "  }",
        "}",
        "export function get(k: string) {",
        "  return k;",
        "}",
    ]
    chains = {d.chain for d in declarations("src/store.ts", ts)}
    assert {"Store", "Store.load", "Store.load.parse", "get"} <= chains
    load = next(d for d in declarations("src/store.ts", ts) if d.chain == "Store.load")
    assert qualify("src/store.ts", load) == "src/store.ts::Store.load"


@pytest.fixture(scope="module")
def env() -> gym.Env:
    environment = gym.make("LoCo-Repo-v0", sandbox="fake")
    yield environment
    environment.close()


@pytest.mark.parametrize("question", ["definition", "callers", "setting"])
def test_grep_answers_literal_questions_without_the_index(env: gym.Env, question: str) -> None:
    options = {"length": "8k", "question": question, "variant": "literal"}
    wins = 0
    for seed in range(3):
        traj = locogym.run_episode(env, make_agent("grep"), seed=seed, options=options)
        assert not {s.call.name for s in traj.steps if s.call is not None} & INDEX_TOOLS
        wins += traj.score.success == 1.0
    assert wins >= 2, (question, wins)


def test_grep_cannot_trace_a_value_through_the_code(env: gym.Env) -> None:
    for seed in range(3):
        traj = locogym.run_episode(
            env,
            make_agent("grep"),
            seed=seed,
            options={"length": "8k", "question": "return_value", "variant": "literal"},
        )
        assert traj.score.success == 0.0 and traj.score.outcome == "no_answer"


def test_grep_submits_no_answer_where_there_is_nothing_to_grep() -> None:
    environment = gym.make("LoCo-FuncCall-v0")
    try:
        traj = locogym.run_episode(environment, make_agent("grep"), seed=0, options={"length": "8k"})
    finally:
        environment.close()
    assert [s.call.name for s in traj.steps if s.call is not None] == ["submit"]
    assert traj.score.success == 0.0


def _drive(step, files: dict[str, str]):
    """Runs one of the grep agent's generators against ``files`` with the tools' plain-text replies."""
    import re

    obs = None
    try:
        while True:
            call = step.send(obs)
            if call.name == "grep":
                pattern = re.compile(call.arguments["pattern"])
                hits = [f"{p}:{n}: {line}" for p, text in sorted(files.items())
                        for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
                obs = "\n".join(hits) or "No line matches"
            else:
                lines = files[call.arguments["path"]].splitlines()
                obs = f"{call.arguments['path']} (lines 1-{len(lines)} of {len(lines)})\n" + \
                    "\n".join(f"{n}\t{t}" for n, t in enumerate(lines, 1))
    except StopIteration as done:
        return done.value


def test_grep_reads_typescript_test_expectations_and_extends_headers() -> None:
    from locogym.agents.grep import GrepAgent

    files = {
        "src/total.ts": "export function total(n: number): number {\n  return n * 6 + 10;\n}\n",
        "test/total.test.ts": "it('adds', () => {\n  expect(total(3)).toBe(28);\n});\n",
        "src/base.ts": "export class Shape {\n  area(): number {\n    return 0;\n  }\n}\n",
        "src/rect.ts": "export class Rect extends Shape {\n  area(): number {\n    return 1;\n  }\n}\n",
        "src/square.ts": "export class Square extends Rect {\n  name(): string {\n    return 's';\n  }\n}\n",
    }
    agent = GrepAgent()
    value = "The module `src/total.ts` exports the function `total`. What does the call `total(3)` return?"
    assert _drive(agent._answer(value), files) == 28
    assert _drive(agent._answer(value.replace("(3)", "(4)")), files) is None  # no line states that call
    dispatch = "An object is created as `new Square(...)`, then `obj.area` is used. Which definition of `area` runs?"
    assert _drive(agent._answer(dispatch), files) == "src/rect.ts::Rect.area"
