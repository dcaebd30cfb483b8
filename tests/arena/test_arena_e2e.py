"""``locogym arena patch|review`` end to end with the baseline agents on a synthetic git repository and on a real
project unpacked from its source archive: exit codes follow --min-score, JUnit and Markdown are well-formed, and a
second run reuses the cached validation.
"""

from __future__ import annotations

import subprocess
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.repo import load_source

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SIX = Path(__file__).resolve().parents[1] / "patch" / "data" / "six-1.16.0.tar.gz"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def synthetic_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    tree = load_source("synthetic", seed=21, target_tokens=3000)
    for path, text in tree.files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "locogym.toml").write_text('[arena]\ntest_command = "python -m pytest -q"\ntasks = 2\n'
                                       'sandbox = "local"\n[arena.budget]\nmax_steps = 12\n')
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "initial")
    return root


def _check_markdown_tables(text: str) -> int:
    """Every table has a header, a separator row and rows with as many cells; returns the number of tables."""
    tables = 0
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: "):
            width = lines[i].count("|")
            assert lines[i + 1].count("|") == width, lines[i + 1]
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                assert lines[i].count("|") == width, lines[i]
                i += 1
            tables += 1
        else:
            i += 1
    return tables


def _arena(*args: str):
    return CliRunner().invoke(app, ["arena", *args], catch_exceptions=True)


@pytest.mark.slow
def test_patch_arena_exit_codes_reports_and_cache(synthetic_repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    out = tmp_path / "run1"
    result = _arena("patch", "--repo", str(synthetic_repo), "--agents", "oracle,noop", "--min-score", "0.5",
                    "--out", str(out), "--cache-dir", str(cache))
    assert result.exit_code == 1, result.output  # noop is under the threshold
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("tests") == "4" and root.get("failures") == "2" and root.get("errors") == "0"
    oracle_suite = next(s for s in root.findall("testsuite") if s.get("name").endswith(".oracle"))
    assert oracle_suite.get("failures") == "0" and len(oracle_suite.findall("testcase")) == 2
    summary = (out / "arena.md").read_text()
    assert summary.startswith("## locogym arena patch")
    assert "| `oracle` | 1.00 | 2/2 |" in summary and "| `noop` | 0.00 | 0/2 |" in summary
    assert "| 0.00 | ✅ |" in summary  # no model, no cost
    assert "below threshold" in summary and "<details>" in summary and "</details>" in summary
    assert _check_markdown_tables(summary) == 2
    assert (out / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert "test runs executed" in result.output
    # a second run (fresh run folder, same cache) validates nothing again; only the oracle passes the bar
    second = _arena("patch", "--repo", str(synthetic_repo), "--agents", "oracle", "--min-score", "0.5",
                    "--out", str(tmp_path / "run2"), "--cache-dir", str(cache))
    assert second.exit_code == 0, second.output
    assert "validation: 0 test runs executed" in second.output


@pytest.mark.slow
def test_review_arena_on_a_real_source_archive(tmp_path: Path) -> None:
    with tarfile.open(SIX) as archive:
        archive.extractall(tmp_path, filter="data")
    repo = tmp_path / "six-1.16.0"
    out = tmp_path / "review"
    result = _arena("review", "--repo", str(repo), "--agents", "oracle,noop", "--defects", "1", "--sandbox", "local",
                    "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--length", "4k")
    assert result.exit_code == 0, result.output  # no --min-score: nothing fails the run
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("tests") == "2" and root.get("failures") == "1"
    assert "| `oracle` | 1.00 | 1/1 |" in (out / "arena.md").read_text()


def test_arena_errors_are_clear(tmp_path: Path) -> None:
    missing = _arena("patch", "--repo", str(tmp_path / "nope"), "--agents", "noop")
    assert isinstance(missing.exception, ConfigError)
    broken = tmp_path / "broken"
    (broken / "tests").mkdir(parents=True)
    (broken / "mod.py").write_text("def f(x):\n    return x + 1\n")
    (broken / "tests" / "test_mod.py").write_text("import not_a_module\n")
    result = _arena("patch", "--repo", str(broken), "--agents", "noop", "--sandbox", "local",
                    "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"))
    assert isinstance(result.exception, DataError) and "collection errors" in str(result.exception)
    (broken / "locogym.toml").write_text("[arena]\ntest_comand = 'pytest'\n")
    typo = _arena("patch", "--repo", str(broken), "--agents", "noop")
    assert isinstance(typo.exception, ConfigError) and "test_comand" in str(typo.exception)


@pytest.mark.slow
@pytest.mark.docker
def test_patch_arena_on_docker(synthetic_repo: Path, tmp_path: Path, docker_engine: None) -> None:
    out = tmp_path / "docker"
    result = _arena("patch", "--repo", str(synthetic_repo), "--agents", "oracle,noop", "--defects", "1",
                    "--sandbox", "docker", "--min-score", "0.0", "--out", str(out), "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("tests") == "2" and root.get("failures") == "1" and root.get("errors") == "0"
    assert "| `oracle` | 1.00 | 1/1 |" in (out / "arena.md").read_text()
