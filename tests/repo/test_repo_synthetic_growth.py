"""A synthetic project grows around a fixed core: every core file is the same at every size, fill code never
reaches into the core, and the grown project's own test suite still passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.scenarios.repo.synthetic import generate_project

CORE = 8192


def _core_of(seed: int) -> dict[str, str]:
    return generate_project(seed, CORE).files


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("target", [32_768, 131_072])
def test_core_files_are_unchanged_at_every_size(seed: int, target: int) -> None:
    core = _core_of(seed)
    grown = generate_project(seed, target, core_tokens=CORE)
    package = grown.meta["package"]
    changed = sorted(p for p in core if grown.files.get(p) != core[p])
    # only the top package's re-export list gains the fill domains' lines; every core line is still there
    assert changed == [f"{package}/__init__.py"]
    assert set(core[f"{package}/__init__.py"].splitlines()) <= set(grown.files[f"{package}/__init__.py"].splitlines())
    # ...after the core's own, which keep their line numbers (a question's evidence cites them)
    kept = core[f"{package}/__init__.py"].split("\n\n__version__")[0].splitlines()
    assert grown.files[f"{package}/__init__.py"].splitlines()[:len(kept)] == kept
    total = sum(tokens.count(t) for t in grown.files.values())
    assert abs(total - target) <= 0.02 * target
    assert grown.meta["core_modules"] == generate_project(seed, CORE).meta["core_modules"]


def test_fill_code_never_calls_the_core() -> None:
    grown = generate_project(5, 65_536, core_tokens=CORE)
    core = grown.meta["core_modules"]

    def in_core(qualname: str) -> bool:
        return any(qualname.startswith(m + ".") for m in core)

    fill_calls = [(q, c) for q, f in grown.meta["functions"].items() if not in_core(q) for c in f["callees"]]
    assert fill_calls, "the fill should have functions that call other functions"
    assert not [(q, c) for q, c in fill_calls if in_core(c)]
    names = [q.rsplit(".", 1)[1] for q in grown.meta["functions"]]
    assert len(names) == len(set(names)), "a fill name shadows another definition"


def test_another_fill_is_another_context_around_the_same_core() -> None:
    a = generate_project(2, 32_768, core_tokens=CORE, fill=0)
    b = generate_project(2, 32_768, core_tokens=CORE, fill=1)
    assert a.files != b.files
    core_paths = [a.meta["modules"][m] for m in a.meta["core_modules"]]
    assert core_paths and all(a.files[p] == b.files[p] for p in core_paths)


def test_a_size_below_the_core_is_refused() -> None:
    with pytest.raises(ConfigError, match="cannot hold"):
        generate_project(1, 4096, core_tokens=CORE)


def test_grown_project_suite_passes(tmp_path: Path) -> None:
    grown = generate_project(4, 24_576, core_tokens=CORE, fill=2)
    for path, text in grown.files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
