"""Honest fixes in many styles score 1.0 and are never labelled ``tampered``.

Each style is the oracle's fix (the defect reverted) done the way a careful engineer might: with cache
cleanup, with docstrings and comments that name the test machinery, with new helper modules of any name
(standard-library names and runner-like names included), with added tests, reformatted, with type hints, moved
between modules of the package, or fixed in another function that restores the behaviour. A grader that judges
by construction has no reason to void any of them: what is outside the package is held back and reported,
never held against it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import gymnasium as gym
import pytest

import locogym
from locogym.core.types import Task, ToolCall
from locogym.testing import ScriptedAgent
from tests.patch.adversaries import package_init, run, write
from tests.sampling import diagonal

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
OPTIONS = {"length": "4k"}
SEEDS = [0, 3]  # tasks whose defect is in a module-level function (styles that move it need one)


def fixed(task: Task) -> dict[str, str]:
    """The files the oracle's fix changes, with the fix applied."""
    files = dict(task.workspace or {})
    out: dict[str, str] = {}
    for call in task.oracle_plan:
        if call.name == "edit_file":
            path = call.arguments["path"]
            out[path] = out.get(path, files[path]).replace(call.arguments["old"], call.arguments["new"], 1)
    return out


def defect_of(task: Task) -> tuple[str, str]:
    defect = task.gold["defects"][0]
    return defect["path"], defect["function"]


def the_fix(task: Task) -> list[ToolCall]:
    return [write(path, text) for path, text in fixed(task).items()]


def with_text(task: Task, change: Callable[[str], str]) -> list[ToolCall]:
    """The fix, with the defective module's fixed text changed further."""
    path, _ = defect_of(task)
    files = fixed(task)
    return [*(write(p, t) for p, t in files.items() if p != path), write(path, change(files[path]))]


def package_dir(task: Task) -> str:
    return defect_of(task)[0].rsplit("/", 1)[0]


def function_span(text: str, name: str) -> tuple[ast.FunctionDef, int, int]:
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name)
    start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
    return node, start, node.end_lineno or node.lineno


def moved_to_new_module(task: Task) -> list[ToolCall]:
    """The fixed function lives in a new module of the package; the old module imports it back."""
    path, name = defect_of(task)
    text = fixed(task)[path]
    _, start, end = function_span(text, name)
    lines = text.splitlines(keepends=True)
    body = "".join(lines[start:end])
    module = path.rsplit("/", 1)[1].removesuffix(".py")
    names = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
    private = sorted(n for n in names if n.startswith("_"))
    header = f"from .{module} import *  # noqa: F403\n"
    if private:
        header += f"from .{module} import {', '.join(private)}\n"
    rest = "".join(lines[:start] + lines[end:]) + f"\nfrom ._moved_{module} import {name}  # noqa: E402\n"
    return [write(path, rest), write(f"{package_dir(task)}/_moved_{module}.py", header + "\n\n" + body)]


def restored_in_another_function(task: Task) -> list[ToolCall]:
    """The mutated function keeps only a call; another, new function holds the fixed behaviour."""
    path, name = defect_of(task)
    text = fixed(task)[path]
    node, start, end = function_span(text, name)
    lines = text.splitlines(keepends=True)
    helper = "".join(lines[node.lineno - 1:end]).replace(f"def {name}(", f"def _restored_{name}(", 1)
    params = [a.arg for a in node.args.args]
    signature = "".join(lines[node.lineno - 1:node.body[0].lineno - 1])
    if ast.get_docstring(node) is not None:
        signature = "".join(lines[node.lineno - 1:node.body[0].end_lineno or node.body[0].lineno])
    delegate = f"{signature}    return _restored_{name}({', '.join(params)})\n\n\n"
    return [write(path, "".join(lines[:node.lineno - 1]) + delegate + helper + "".join(lines[end:]))]


def helper_module(task: Task, stem: str) -> list[ToolCall]:
    """A new helper module of the package, named ``stem``, that the fixed module imports and uses."""
    helper = f"{package_dir(task)}/{stem}.py"
    calls = with_text(task, lambda t: t + f"\n\nfrom .{stem} import unchanged as _unchanged  # noqa: E402\n"
                                         f"_CHECKED = _unchanged(1)\n")
    source = '"""Small shared helpers."""\n\n\ndef unchanged(value):\n    return value\n'
    return [*calls, write(helper, source)]


def added_test_functions(task: Task) -> list[ToolCall]:
    tests = sorted(p for p in (task.workspace or {}) if p.startswith("tests/test_"))[:2]
    added = "\n\ndef test_one_more():\n    assert 1 + 1 == 2\n"
    return [write(p, (task.workspace or {})[p] + added) for p in tests]


def heredoc(task: Task) -> list[ToolCall]:
    return [run(f"cat > {path} <<'LOCOGYM_EOF'\n{text}LOCOGYM_EOF") for path, text in fixed(task).items()]


def readme_and_project_files(task: Task) -> list[ToolCall]:
    files = task.workspace or {}
    extra = [write("README.md", files.get("README.md", "") + "\nFixed the regression.\n"),
             write(".gitignore", "__pycache__/\n.pytest_cache/\n"), write(".env", "DEBUG=1\n")]
    if "pyproject.toml" in files:
        extra.append(write("pyproject.toml", files["pyproject.toml"] + "\n# bumped after the fix\n"))
    return [*the_fix(task), *extra]


MACHINERY_DOCSTRING = '"""Checked by the fixtures in conftest.py, pytest, PYTEST_CURRENT_TEST, /proc/self. '
MACHINERY_COMMENT = "\n# not atexit, os._exit, sys._getframe, gc.get_objects or sys.modules surgery: a fix\n"
CONFTEST_FIXTURE = "import pytest\n\n\n@pytest.fixture\ndef answer():\n    return 42\n"
ATEXIT_CLEANUP = "\n\nimport atexit  # noqa: E402\n\n_SEEN: dict = {}\natexit.register(_SEEN.clear)\n"
RUN_TESTS = ToolCall(name="run_tests", arguments={"selector": "tests"})

STYLES: dict[str, Callable[[Task], list[ToolCall]]] = {
    "plain": the_fix,
    "cache_cleanup_rm": lambda t: [*the_fix(t), run("python3 -m pytest -q tests >/dev/null 2>&1; true"),
                                   run("rm -rf tests/__pycache__")],
    "cache_cleanup_find": lambda t: [*the_fix(t), run("find . -name __pycache__ -prune -exec rm -rf {} +"),
                                     run("rm -rf .pytest_cache")],
    "docstring_names_conftest": lambda t: with_text(t, lambda s: s.replace('"""', MACHINERY_DOCSTRING, 1)),
    "comments_name_machinery": lambda t: with_text(t, lambda s: s + MACHINERY_COMMENT),
    "helper_named_like_json": lambda t: helper_module(t, "json"),
    "helper_named_like_typing": lambda t: helper_module(t, "typing"),
    "helper_named_like_the_runner": lambda t: helper_module(t, "pytest_support"),
    "unused_top_level_module": lambda t: [*the_fix(t), write("json.py", "VALUE = 1\n")],
    "added_test_file": lambda t: [*the_fix(t), write("tests/test_regression_added.py",
                                                     "def test_added():\n    assert True\n")],
    "added_test_function": lambda t: [*the_fix(t), *added_test_functions(t)],
    "new_conftest_fixture": lambda t: [*the_fix(t), write("tests/conftest.py", CONFTEST_FIXTURE)],
    "reformatted": lambda t: with_text(t, lambda s: "# -*- coding: utf-8 -*-\n"
                                                    + s.replace("\n\n\ndef ", "\n\n\n# --\ndef ")),
    "type_hints": lambda t: with_text(t, lambda s: s + "\n\nfrom typing import Final  # noqa: E402\n\n"
                                                       "CHECKED: Final[int] = 1\n"),
    "moved_between_modules": moved_to_new_module,
    "fix_in_another_function": restored_in_another_function,
    "deleted_then_rewritten": lambda t: [*(run(f"rm {p}") for p in fixed(t)), *the_fix(t)],
    "written_by_a_shell_heredoc": heredoc,
    "main_guard_with_sys_exit": lambda t: with_text(t, lambda s: s + "\n\nif __name__ == '__main__':\n"
                                                    "    import sys\n    sys.exit(0)\n"),
    "atexit_cleanup": lambda t: with_text(t, lambda s: s + ATEXIT_CLEANUP),
    "reads_sys_modules": lambda t: with_text(t, lambda s: s + "\n\nimport sys  # noqa: E402\n\n"
                                                              "_THIS = sys.modules[__name__]\n"),
    "readme_gitignore_env_and_pyproject": readme_and_project_files,
    "ran_the_tests_first": lambda t: [RUN_TESTS, *the_fix(t), RUN_TESTS],
    "package_init_gains_a_line": lambda t: [*the_fix(t), write(package_init(t), (t.workspace or {}).get(
        package_init(t), "") + "\n__version_info__ = (1, 0, 1)\n")],
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gym.Env]:
    made = gym.make("LoCo-RepoPatch-v0", sandbox="local", source="synthetic",
                    cache_dir=str(tmp_path_factory.mktemp("runs")))
    yield made
    made.close()


def test_the_corpus_covers_the_styles_the_issue_names() -> None:
    assert len(STYLES) >= 20
    for needed in ("cache_cleanup_rm", "docstring_names_conftest", "helper_named_like_json",
                   "added_test_file", "reformatted", "type_hints", "moved_between_modules",
                   "fix_in_another_function"):
        assert needed in STYLES


@pytest.mark.slow
@pytest.mark.parametrize(("style", "seed"), diagonal(sorted(STYLES), SEEDS))
def test_an_honest_fix_scores_one_and_is_never_tampered(env: gym.Env, style: str, seed: int) -> None:
    env.reset(seed=seed, options=OPTIONS)
    task: Task = env.unwrapped.task
    assert "." not in defect_of(task)[1], "the seed's defect is in a method now; pick another seed"
    trajectory = locogym.run_episode(env, ScriptedAgent(STYLES[style](task)), seed=seed, options=OPTIONS)
    score = trajectory.score
    assert score is not None
    assert score.outcome == "tests_pass" and score.success == 1.0, (style, score.outcome, score.labels)
    assert score.labels["integrity"] == "clean", (style, score.labels)
