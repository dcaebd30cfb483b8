"""The offline image recipe: apt sources parsing, stable tags, the shipped Dockerfile, and auto selection."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import make_sandbox
from locogym.sandboxes.image import Recipe, find_mirror, render_dockerfile

REPO = Path(__file__).resolve().parents[2]


def test_deb822_sources_give_the_main_archive_not_security(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCOGYM_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example/debian-security\nSuites: trixie-security\nComponents: main\n\n"
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: trixie trixie-updates\n"
        "Components: main\n")
    mirror = find_mirror(tmp_path, suite="trixie")
    assert (mirror.uri, mirror.suite) == ("http://mirror.example/debian", "trixie")


def test_one_line_sources_and_a_missing_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCOGYM_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list").write_text("# deb http://old/debian buster main\n"
                                           "deb [arch=amd64] http://mirror.example/debian bookworm main\n")
    assert find_mirror(tmp_path, suite="bookworm").uri == "http://mirror.example/debian"
    with pytest.raises(SandboxUnavailable, match="LOCOGYM_DEBIAN_MIRROR"):
        find_mirror(tmp_path, suite="sid")


def test_recipe_tag_is_stable_and_changes_with_the_recipe() -> None:
    assert Recipe(suite="bookworm").tag == Recipe(suite="bookworm").tag
    assert Recipe(suite="bookworm").tag != Recipe(suite="trixie").tag
    assert Recipe(suite="bookworm").tag != Recipe(suite="bookworm", packages=("python3",)).tag
    assert Recipe(suite="bookworm").tag.startswith("locogym-sandbox:bookworm-")


def test_shipped_dockerfile_matches_the_recipe() -> None:
    shipped = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert shipped == render_dockerfile(Recipe(suite="bookworm")), (
        "docker/Dockerfile is out of date; regenerate it with "
        "python -c \"from locogym.sandboxes.image import render_dockerfile; print(render_dockerfile(), end='')\"")


@pytest.mark.docker
def test_auto_picks_docker_when_the_engine_runs(docker_engine: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning when the first choice works
        box = make_sandbox("auto")
    try:
        info = box.info()
        assert info.backend == "docker" and info.isolated and info.detail["network"] == "none"
    finally:
        box.close()
