"""Where a codebase comes from: a git repository at a pinned commit, a plain folder, the installed sources of a
Python package, a source-distribution archive, or the seeded synthetic project generator.

Every loader returns a :class:`SourceTree`: the text files of the code base (path -> content) with a name, a
main language and a commit (or content digest) that, together with the name, keys the index cache. Only text
source files are kept (binary files, VCS folders, build outputs and files over ``MAX_FILE_BYTES`` are skipped), so
a tree can be written into any sandbox as is.

Spec strings accepted by :func:`load_source`:

* ``"synthetic"`` — a generated Python project (needs ``seed`` and ``target_tokens``).
* a folder — a git work tree (read at ``ref``, default ``HEAD``, through gitpython) or a plain folder.
* ``"package:NAME"`` — the source files of an installed distribution (``importlib.metadata``).
* a ``.tar.gz`` / ``.tgz`` / ``.tar`` / ``.zip`` archive — a source distribution; its single top folder is
  stripped.
"""

from __future__ import annotations

import posixpath
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.repo.tree import SourceTree

MAX_FILE_BYTES = 512 * 1024
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".mypy_cache",
                       ".pytest_cache", "build", "dist", ".eggs", "target", ".idea", ".vscode"})
TEXT_SUFFIXES = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".java", ".rs", ".c", ".h", ".cc", ".cpp",
    ".hpp", ".rb", ".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml", ".in", ".sh", ".mod",
    ".sum", ".gradle", ".xml", ".html", ".css",
})
TEXT_NAMES = frozenset({"LICENSE", "LICENCE", "COPYING", "Makefile", "README", "NOTICE", "AUTHORS", "PKG-INFO",
                        "Dockerfile", "setup.cfg", "Cargo.toml", "go.mod"})
def _keep(path: str) -> bool:
    parts = path.split("/")
    if any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]):
        return False
    name = parts[-1]
    return posixpath.splitext(name)[1].lower() in TEXT_SUFFIXES or name in TEXT_NAMES


def _decode(data: bytes) -> str | None:
    if len(data) > MAX_FILE_BYTES or b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _collect(items: list[tuple[str, bytes]]) -> dict[str, str]:
    files: dict[str, str] = {}
    for path, data in sorted(items):
        if not _keep(path):
            continue
        text = _decode(data)
        if text is not None:
            files[path] = text
    return files


def load_folder(folder: Path, ref: str | None = None) -> SourceTree:
    """A git work tree at ``ref`` (default ``HEAD``), or a plain folder when it is not a repository.

    Raises:
        ConfigError: ``ref`` is given but the folder is not a git repository, or the ref does not exist.
    """
    import git  # gitpython; imported here so that plain folders need no git executable

    try:
        repo = git.Repo(folder, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        repo = None
    if repo is None:
        if ref is not None:
            raise ConfigError(f"ref={ref!r} was given but {folder.name!r} is not a git repository.",
                              fix="Drop ref= or point source= at a git work tree.")
        items = [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted(folder.rglob("*"))
                 if p.is_file() and not p.is_symlink()]
        return SourceTree(name=folder.resolve().name, files=_collect(items), language="auto", origin="folder")
    try:
        commit = repo.commit(ref or "HEAD")
    except (git.BadName, ValueError) as exc:
        raise ConfigError(f"Cannot find ref {ref or 'HEAD'!r} in repository {folder.name!r}: {exc}.",
                          fix="Pass ref= as a commit hash, tag or branch that exists (git log shows them).") from exc
    items = []
    for blob in commit.tree.traverse():
        if isinstance(blob, git.Blob) and blob.mode != 0o120000:  # symlinks are skipped
            items.append((str(blob.path), blob.data_stream.read()))
    name = Path(repo.working_tree_dir or folder).resolve().name
    return SourceTree(name=name, files=_collect(items), language="auto", commit=commit.hexsha, origin="git",
                      meta={"ref": ref or "HEAD"})


def load_archive(path: Path) -> SourceTree:
    """A source-distribution archive (``.tar.gz``, ``.tgz``, ``.tar``, ``.zip``); its one top folder is stripped.

    Raises:
        DataError: the archive cannot be read.
    """
    items: list[tuple[str, bytes]] = []
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and info.file_size <= MAX_FILE_BYTES:
                        items.append((info.filename, zf.read(info)))
        else:
            with tarfile.open(path, "r:*") as tf:
                for member in tf.getmembers():
                    if member.isfile() and member.size <= MAX_FILE_BYTES:
                        handle = tf.extractfile(member)
                        if handle is not None:
                            items.append((member.name, handle.read()))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"cannot read the archive: {exc}", path=path.name,
                        fix="Pass a source distribution (.tar.gz or .zip) built by `python -m build --sdist`.") from exc
    clean = [(posixpath.normpath(p).lstrip("/"), d) for p, d in items]
    clean = [(p, d) for p, d in clean if not p.startswith("..")]
    tops = {p.split("/", 1)[0] for p, _ in clean}
    if len(tops) == 1 and all("/" in p for p, _ in clean):
        clean = [(p.split("/", 1)[1], d) for p, d in clean]
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    files = _collect(clean)
    if not files:
        raise DataError("the archive holds no text source files", path=path.name,
                        fix="Check that it is a source distribution, not a wheel of compiled files.")
    return SourceTree(name=name, files=files, language="auto", origin="archive", meta={"archive": path.name})


def load_package(dist_name: str) -> SourceTree:
    """The installed source files of a distribution (what ``pip show -f`` lists), read in place.

    Raises:
        ConfigError: the distribution is not installed or lists no files.
    """
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError as exc:
        raise ConfigError(f"No installed distribution named {dist_name!r}.",
                          fix=f"pip install {dist_name}, or pass a folder or archive as source=.") from exc
    items = []
    for entry in dist.files or []:
        rel = entry.as_posix() if hasattr(entry, "as_posix") else str(entry)
        if rel.startswith("..") or ".dist-info/" in rel or not _keep(rel):
            continue
        located = Path(str(dist.locate_file(entry)))
        if located.is_file():
            items.append((rel, located.read_bytes()))
    files = _collect(items)
    if not files:
        raise ConfigError(f"Distribution {dist_name!r} has no readable source files.",
                          fix="Choose a pure-Python distribution, or pass its source archive.")
    return SourceTree(name=f"{dist.metadata['Name']}-{dist.version}", files=files, language="auto",
                      origin="package", meta={"distribution": dist_name, "version": dist.version})


def load_source(spec: str, ref: str | None = None, *, seed: int = 0, target_tokens: int = 32_768,
                branch_share: float | None = None) -> SourceTree:
    """Load a code base from a spec string (see the module docstring).

    ``seed``, ``target_tokens`` and ``branch_share`` are used by ``"synthetic"`` only; ``ref`` by git repositories
    only.

    Raises:
        ConfigError: the spec names nothing that exists, or ``ref`` does not apply.
        DataError: an archive cannot be read.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"source={spec!r} is not a source spec.",
                          fix='Use "synthetic", a repository folder, "package:NAME" or a source archive path.')
    if spec == "synthetic" or spec.startswith("synthetic:"):
        from locogym.scenarios.repo.synthetic import generate_project

        if branch_share is None:
            return generate_project(seed=seed, target_tokens=target_tokens)
        return generate_project(seed=seed, target_tokens=target_tokens, branch_share=branch_share)
    if spec.startswith("package:"):
        return load_package(spec.split(":", 1)[1])
    path = Path(spec).expanduser()
    if path.is_dir():
        return load_folder(path, ref)
    if path.is_file():
        if ref is not None:
            raise ConfigError("ref= applies to git repositories only, not to archives.", fix="Drop ref=.")
        return load_archive(path)
    raise ConfigError(f"source={spec!r} is neither 'synthetic', a folder, 'package:NAME' nor an archive file.",
                      fix="Check the path (relative paths are taken from the working directory).")

