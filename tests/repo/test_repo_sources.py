"""Sources: git repositories at a pinned commit, plain folders, installed packages, and a real source archive.

The archive is built here, offline, with setuptools' ``sdist`` from the installed sources of a real pure-Python
distribution (gitdb, BSD-licensed, a dependency of gitpython) — real code, no download at test time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import git
import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.sources import SourceTree, load_source


@pytest.fixture(autouse=True)
def _private_index_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real sources are indexed to disk per commit; keep these tests' entries out of the user's cache."""
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source distribution of the installed gitdb sources, built with setuptools (offline)."""
    dist = metadata.distribution("gitdb")
    project = tmp_path_factory.mktemp("gitdb-src")
    for entry in dist.files or []:
        rel = str(entry)
        if rel.startswith("gitdb/") and rel.endswith(".py"):
            target = project / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(dist.locate_file(entry))), target)
    license_file = next((f for f in dist.files or [] if "LICENSE" in str(f)), None)
    if license_file is not None:
        shutil.copyfile(Path(str(dist.locate_file(license_file))), project / "LICENSE")
    (project / "setup.py").write_text(
        "from setuptools import setup, find_packages\n"
        f"setup(name='gitdb', version='{dist.version}', packages=find_packages())\n")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--formats=gztar", "--dist-dir", str(out)],
                   cwd=project, check=True, capture_output=True)
    return next(out.glob("*.tar.gz"))


@pytest.mark.slow
def test_archive_loads_with_its_top_folder_stripped(sdist: Path) -> None:
    tree = load_source(str(sdist))
    assert tree.origin == "archive" and tree.language == "python"
    assert "gitdb/__init__.py" in tree.files and "setup.py" in tree.files
    assert not any(p.startswith("gitdb-") for p in tree.files)
    index = CodeIndex.build(tree.files, use_cache=False)
    assert index.resolve_name("gitdb", "OStream") == "gitdb.base.OStream"  # through ``from gitdb.base import *``
    assert index.stats()["definitions"] > 200


def test_real_archive_as_env_source_oracle_one_noop_zero(sdist: Path) -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(sdist))
    try:
        for question in ("definition", "callers", "setting"):  # a setting imported from another module
            for seed in range(3):
                options = {"length": "16k", "task": "qa", "question": question}
                oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
                assert oracle.score.success == 1.0, (question, seed, oracle.score)
                noop = locogym.run_episode(env, make_agent("noop"), seed=seed, options=options)
                assert noop.score.success == 0.0
                assert abs(oracle.task.length_tokens - 16384) <= 0.05 * 16384
        with pytest.raises(ConfigError, match="kinds askable here: definition, setting, callers"):
            env.reset(seed=0, options={"length": "16k", "question": "call_chain", "difficulty": "hard"})
        with pytest.raises(ConfigError, match="fewer than length"):
            env.reset(seed=0, options={"length": "512k"})
    finally:
        env.close()


def test_same_archive_elsewhere_gives_the_same_task(sdist: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / sdist.name
    moved.parent.mkdir()
    shutil.copyfile(sdist, moved)
    hashes = []
    for path in (sdist, moved):
        env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(path))
        hashes.append(env.reset(seed=4, options={"length": "16k", "question": "callers"})[1]["content_hash"])
        env.close()
    assert hashes[0] == hashes[1]


@pytest.mark.slow
def test_real_archive_multisession_moves_answers_or_says_why(sdist: Path) -> None:
    played = 0
    for seed in range(6):
        env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(sdist))
        try:
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed,
                                         options={"length": "24k", "task": "multisession"})
        except ConfigError as exc:
            assert exc.fix  # a source that cannot host the task says what to do instead
            continue
        finally:
            env.close()
        played += 1
        assert oracle.score.success == 1.0
        assert any(p.changed_since_last for p in oracle.task.probes)
    assert played >= 2


def test_git_repository_is_read_at_the_pinned_commit(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.org")
    (tmp_path / "a.py").write_text("def first():\n    return 1\n")
    repo.index.add(["a.py"])
    pinned = repo.index.commit("first").hexsha
    (tmp_path / "a.py").write_text("def second():\n    return 2\n")
    (tmp_path / "b.py").write_text("X = 1\n")
    repo.index.add(["a.py", "b.py"])
    repo.index.commit("second")
    (tmp_path / "untracked.py").write_text("Y = 2\n")

    old = load_source(str(tmp_path), ref=pinned)
    assert old.commit == pinned and old.origin == "git"
    assert old.files == {"a.py": "def first():\n    return 1\n"}
    head = load_source(str(tmp_path))
    assert sorted(head.files) == ["a.py", "b.py"]  # committed content only, untracked files ignored
    with pytest.raises(ConfigError, match="ref"):
        load_source(str(tmp_path), ref="no-such-ref")


def test_plain_folder_skips_binaries_caches_and_vcs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("A = 1\n")
    (tmp_path / "pkg" / "blob.py").write_bytes(b"\x00\x01binary")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("var x;\n")
    tree = load_source(str(tmp_path))
    assert tree.files == {"pkg/m.py": "A = 1\n"}
    with pytest.raises(ConfigError, match="not a git repository"):
        load_source(str(tmp_path), ref="HEAD")


def test_installed_package_sources() -> None:
    tree = load_source("package:smmap")
    assert tree.origin == "package" and "smmap/__init__.py" in tree.files
    with pytest.raises(ConfigError, match="pip install"):
        load_source("package:surely-not-installed-xyz")


def test_bad_specs_and_archives_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither"):
        load_source(str(tmp_path / "missing"))
    broken = tmp_path / "x.tar.gz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(DataError, match="x.tar.gz"):
        load_source(str(broken))
    with pytest.raises(ConfigError):
        gym.make("LoCo-Repo-v0", sandbox="fake", source=str(tmp_path / "missing"))


def test_source_tree_digest_ignores_order_and_subset_rehashes() -> None:
    a = SourceTree(name="t", files={"a.py": "1", "b.py": "2"})
    b = SourceTree(name="t", files={"b.py": "2", "a.py": "1"})
    assert a.commit == b.commit and a.key == b.key
    assert a.subset(["a.py"]).commit != a.commit


def _typescript_project(folder: Path) -> None:
    """30 TypeScript modules whose documented functions call earlier ones, re-exported by an index module."""
    lib = folder / "src" / "lib"
    lib.mkdir(parents=True)
    for m in range(30):
        parts = []
        imports = set()
        for i in range(m * 4, m * 4 + 4):
            if i < 4:
                parts.append(f"export function fn{i}(x: number): number {{\n  return x + {i};\n}}\n")
                continue
            callee = (i * 7919) % ((i // 4) * 4)
            imports.add((callee // 4, callee))
            parts.append(f"/** Compute step {i} of the pipeline. */\nexport function fn{i}(x: number): number {{\n"
                         f"  const y = fn{callee}(x + {i});\n  return y * 2;\n}}\n")
        head = "".join(f"import {{ fn{c} }} from './mod{cm}';\n" for cm, c in sorted(imports))
        (lib / f"mod{m}.ts").write_text(head + "\n" + "\n".join(parts))
    (lib / "index.ts").write_text("".join(f"export {{ fn{i * 4} as entry{i} }} from './mod{i}';\n" for i in range(30)))
    (folder / "src" / "app.ts").write_text("import { entry3, entry7 } from './lib/index';\n\n"
                                           "export function main(): number {\n  return entry3(1) + entry7(2);\n}\n")


def test_a_typescript_source_gets_exact_questions(tmp_path: Path) -> None:
    _typescript_project(tmp_path)
    assert load_source(str(tmp_path)).language == "typescript"
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(tmp_path))
    try:
        for question in ("definition", "call_chain", "callers"):
            for variant in ("literal", "nonliteral"):
                options = {"length": 5000, "question": question, "variant": variant}
                oracle = locogym.run_episode(env, make_agent("oracle"), seed=1, options=options)
                assert oracle.score.success == 1.0, (question, variant)
                assert "::" in str(oracle.task.gold["answer"]) or question == "definition"
                # real code is described by its docstring: a model-free grep finds it
                heuristic = locogym.run_episode(env, make_agent("heuristic"), seed=1, options=options)
                assert heuristic.score.success == 1.0, (question, variant)
    finally:
        env.close()
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(tmp_path))
    try:  # its commits are written in TypeScript
        oracle = locogym.run_episode(env, make_agent("oracle"), seed=0, options={"length": 5000,
                                                                                 "task": "multisession"})
    finally:
        env.close()
    assert oracle.score.success == 1.0 and any(p.changed_since_last for p in oracle.task.probes)


def test_a_source_too_small_for_any_length_is_not_told_to_ask_for_length_0() -> None:
    from locogym.scenarios.repo.workset import check_source_size

    with pytest.raises(ConfigError) as caught:
        check_source_size({}, 32768, "empty")
    assert str(caught.value).endswith("Fix: Use a larger source (source='synthetic' scales to any length).")
    with pytest.raises(ConfigError, match=r"Fix: Ask for length <= 10,\d{3}, or use a larger source"):
        check_source_size({"a.py": 6000, "b.py": 4000}, 32768, "small")
