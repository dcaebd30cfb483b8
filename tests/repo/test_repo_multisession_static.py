"""Multi-session commits in Go and TypeScript: each edit moves the fact it targets the way such commits are written
(a declaration into a file of its own, a new caller, a new literal, a forwarding hop), keeps what else the code
needs (imports, re-exports), and is refused where the file's shape does not allow it. Multi-session resets on the
real Go and TypeScript fixtures give the oracle 1.0 and noop 0."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.core.errors import ConfigError
from locogym.scenarios.repo import questions
from locogym.scenarios.repo.common import submit_value
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.session_edits import EditNotPossible
from locogym.scenarios.repo.session_edits_static import EDITS
from tests.sampling import every

DATA = Path(__file__).resolve().parent / "data"

GO = {
    "go.mod": "module example.org/shop\n\ngo 1.19\n",
    "shop/price.go": """package shop

import (
	"fmt"
	"strings"
	"time"
)

// Base is the price every order starts from.
const Base = 40

// Rate follows the base.
const Rate = Base

// Window is two literals on one line.
var Window = [2]int{3, 4}

// Format renders an amount.
func Format(n int) string {
	return fmt.Sprintf("%d", n)
}

// Wait names a package only in its signature.
func Wait(d time.Duration) time.Duration {
	return d
}

// Upper shouts a label.
func Upper(s string) string {
	return strings.ToUpper(s)
}
""",
    "shop/cart.go": """package shop

// Total adds the items and the rate.
func Total(items ...int) int {
	sum := 0
	for _, n := range items {
		sum += n
	}
	return add(sum, Rate)
}

func add(a, b int) int {
	return a + b
}

// Label names a cart.
func Label(n int) string {
	return Upper(Format(Total(n)))
}

// Summary is a second caller of Format.
func Summary(n int) string {
	return Format(n)
}
""",
}

TS = {
    "src/util.ts": """import { Money, round as roundTo } from "./money";
import type { Shape } from "./shape";

export const SCALE = 100;

/** Render an amount. */
export function render(amount: Money, shape: Shape): string {
  return String(roundTo(amount, SCALE)) + shape.unit;
}

export function twice(amount: Money, shape: Shape): string {
  return render(amount, shape) + render(amount, shape);
}
""",
    "src/money.ts": "export type Money = number;\nexport function round(n: number, s: number): number {\n"
                    "  return Math.round(n * s) / s;\n}\n",
    "src/shape.ts": "export interface Shape {\n  unit: string;\n}\n",
    "src/index.ts": 'export { render, twice } from "./util";\n',
}


def _edit(files: dict[str, str], key: tuple[object, ...]) -> tuple[dict[str, str], str]:
    return EDITS[str(key[0])](CodeIndex.build(files), files, key, random.Random(0))


def _answer(files: dict[str, str], key: tuple[object, ...]) -> object:
    q = questions.build(CodeIndex.build(files), key, "literal", files)
    assert q is not None, key
    return submit_value(q)


def _go_builds(files: dict[str, str], tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("no Go toolchain here (CI installs none): the Go source is checked by shape only")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    done = subprocess.run(["go", "vet", "./..."], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off"})
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------------- Go
def test_a_go_declaration_moves_to_a_file_of_its_own_with_the_imports_it_uses(tmp_path: Path) -> None:
    key = ("definition", "shop", "Format")
    assert _answer(GO, key) == "shop/price.go"
    patch, message = _edit(GO, key)
    after = {**GO, **patch}
    assert _answer(after, key) == "shop/price_format.go" and message == "refactor: move Format into its own file"
    moved = patch["shop/price_format.go"]
    assert moved.startswith("package shop\n\nimport (\n\t\"fmt\"\n)\n\n// Format renders an amount.\nfunc Format(")
    assert '"fmt"' not in patch["shop/price.go"] and '"strings"' in patch["shop/price.go"]
    assert "func Format" not in patch["shop/price.go"]
    _go_builds(after, tmp_path)


def test_a_package_named_only_in_types_moves_with_its_declaration(tmp_path: Path) -> None:
    patch, _ = _edit(GO, ("definition", "shop", "Wait"))
    assert '"time"' in patch["shop/price_wait.go"] and '"time"' not in patch["shop/price.go"]
    _go_builds({**GO, **patch}, tmp_path)


def test_a_go_function_gains_a_caller_that_passes_its_own_parameters(tmp_path: Path) -> None:
    key = ("callers", "shop/cart.go::Total")
    patch, message = _edit(GO, key)
    name = message.removeprefix("feature: add ")
    assert f"func {name}(items ...int) int {{\n\treturn Total(items...)\n}}" in patch["shop/cart.go"]
    assert _answer({**GO, **patch}, key) == sorted(["shop/cart.go::Label", f"shop/cart.go::{name}"])
    _go_builds({**GO, **patch}, tmp_path)


def test_a_go_constant_gets_a_new_literal_and_what_follows_it_moves_too(tmp_path: Path) -> None:
    key = ("setting", "shop", "Rate")
    assert _answer(GO, key) == 40
    patch, _ = _edit(GO, key)
    assert "const Base = " in patch["shop/price.go"] and "const Rate = Base" in patch["shop/price.go"]
    assert _answer({**GO, **patch}, key) not in {40, None}
    _go_builds({**GO, **patch}, tmp_path)


def test_a_line_with_two_literals_or_a_method_are_left_alone() -> None:
    index = CodeIndex.build(GO)
    with pytest.raises(EditNotPossible):
        EDITS["setting"](index, GO, ("setting", "shop", "Window"), random.Random(0))
    with pytest.raises(EditNotPossible):  # no such top-level function
        EDITS["callers"](index, GO, ("callers", "shop/cart.go::Cart.Total"), random.Random(0))


def test_a_go_call_goes_through_a_wrapper_beside_the_callee(tmp_path: Path) -> None:
    start = "shop/cart.go::Summary"
    key = next(k for k in questions.call_chain_keys(CodeIndex.build(GO), 1) if k[1] == start)
    before = _answer(GO, key)
    patch, message = EDITS["call_chain"](CodeIndex.build(GO), GO, key, random.Random(0))
    assert message.startswith("refactor: trace the call from Summary to Format")
    assert _answer({**GO, **patch}, key) != before
    _go_builds({**GO, **patch}, tmp_path)


# ---------------------------------------------------------------------------------------------- TypeScript
def test_a_ts_function_moves_to_a_module_that_imports_what_it_uses() -> None:
    key = ("definition", "src/index", "render")
    assert _answer(TS, key) == "src/util.ts"
    patch, message = _edit(TS, key)
    assert message == "refactor: move render into its own module"
    new = patch["src/util_render.ts"]
    assert 'import { Money, round as roundTo } from "./money"' in new
    assert 'import type { Shape } from "./shape"' in new and 'import { SCALE } from "./util"' in new
    assert new.index("/** Render an amount. */") < new.index("export function render(")
    old = patch["src/util.ts"]
    assert 'export { render } from "./util_render"' in old and 'import { render } from "./util_render"' in old
    assert _answer({**TS, **patch}, key) == "src/util_render.ts"


def test_a_js_caller_is_untyped_and_a_ts_one_typed() -> None:
    js = {"a.js": "export function f(x) {\n  return x + 1;\n}\nexport function g() {\n  return f(1);\n}\n"}
    patch, message = _edit(js, ("callers", "a.js::f"))
    name = message.removeprefix("feature: add ")
    assert f"export function {name}(...args) {{\n  return f(...args)\n}}" in patch["a.js"]
    patch, _ = _edit(TS, ("callers", "src/util.ts::render"))
    assert "(...args: Parameters<typeof render>): ReturnType<typeof render>" in patch["src/util.ts"]


def test_a_ts_constant_gets_a_new_literal() -> None:
    files = {**TS, "src/index.ts": TS["src/index.ts"] + 'export { SCALE as UNIT } from "./util";\n'}
    key = ("setting", "src/index", "UNIT")
    assert _answer(files, key) == 100
    patch, message = _edit(files, key)
    assert message == "settings: adjust the defaults in util.ts"
    assert _answer({**files, **patch}, key) != 100


# ---------------------------------------------------------------------------------------------- resets
@pytest.mark.slow
@pytest.mark.parametrize("source", ["go_pflag", "ts_mobx_src"])
def test_seeds_0_to_9_of_sessions_at_8k_on_real_go_and_ts(source: str) -> None:
    """Sampled in CI (seeds 0, 4 and 8; ``LOCOGYM_FULL_MATRIX=1`` plays all ten)."""
    _sessions(source, every(list(range(10)), 4))


def _sessions(source: str, seeds: list[int]) -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(DATA / source))
    try:
        for seed in seeds:
            options = {"length": "8k", "task": "multisession"}
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
            assert oracle.score.success == 1.0, (source, seed, oracle.score)
            assert any(p.changed_since_last for p in oracle.task.probes), (source, seed)
            assert locogym.run_episode(env, make_agent("noop"), seed=seed, options=options).score.success == 0.0
    finally:
        env.close()


def test_a_language_no_commit_is_written_in_is_refused_with_a_fix(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"A{i}.java").write_text(f"class A{i} {{\n  int f() {{ return {i}; }}\n}}\n" * 5)
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(tmp_path))
    with pytest.raises(ConfigError, match="java") as raised:
        env.reset(seed=0, options={"length": 5000, "task": "multisession"})
    assert raised.value.fix
    env.close()
