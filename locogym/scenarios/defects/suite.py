"""A project's test suite bound to a sandbox and the run cache: "run these tests on the project with these edits".

The sandbox is created only on the first cache miss, loaded with the clean project once, and each run writes the
edited files, runs, and writes the originals back, so screening many candidate defects costs one workspace load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from locogym.core.types import stable_hash
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S, TestRun, run_tests, suite_env

TIMEOUT_RETRY_FACTOR = 4.0  # a timed-out run gets this many times its time once more before it counts
LOADED_FIX = "Run again when the machine is quieter (a tournament: --retry-errored)."  # for a draw a time-out stopped


class Suite:
    """Runs the tests of one project (``files`` at ``commit``) with optional edits, through the cache."""

    def __init__(self, repository: str, commit: str, files: Mapping[str, str], test_args: list[str],
                 sandbox_factory: Callable[[], Sandbox], backend: str, cache: RunCache,
                 timeout: float = DEFAULT_TIMEOUT_S, owns_sandbox: bool = False) -> None:
        self.repository = repository
        self.commit = commit
        self.files = dict(files)
        self.test_args = list(test_args)
        self.backend = backend
        self.cache = cache
        self.timeout = timeout
        self.executed = 0
        self._factory = sandbox_factory
        self._sandbox: Sandbox | None = None
        self._owns_sandbox = owns_sandbox

    def run(self, defect: str, edited: Mapping[str, str] | None = None, selection: Iterable[str] | None = None,
            mode: Literal["plain", "reach"] = "plain", timeout: float | None = None,
            deleted: Iterable[str] = (), cached: bool = True, retry: bool = True) -> TestRun:
        """Run the suite (or the node ids in ``selection``) on the project with ``edited`` files swapped in
        and ``deleted`` files removed; the workspace is restored afterwards.

        ``defect`` names the edits for the cache key ("baseline" for none); the same key never runs twice, unless
        ``cached`` is false (a fresh measurement). A run that times out is run once more with
        ``TIMEOUT_RETRY_FACTOR`` times the time (unless ``retry`` is false), and a time-out is never cached: on a
        loaded machine it says nothing about the code, and a cached one would decide every later draw.
        """
        chosen = sorted(selection) if selection is not None else None
        key = self.cache.key(self.repository, self.commit, defect, mode=mode, backend=self.backend,
                             args=self.test_args, selection=stable_hash(chosen, 24) if chosen is not None else "all")
        found = self.cache.get(key) if cached else None
        if found is not None:
            return found
        sandbox = self._ready()
        edited = dict(edited or {})
        removed = [p for p in deleted if p in self.files]
        for path, text in edited.items():
            sandbox.write_file(path, text)
        for path in removed:
            sandbox.delete_file(path)
        try:
            args = ["-q", *chosen] if chosen is not None else self.test_args
            limit = timeout or self.timeout
            result = run_tests(sandbox, args, mode=mode, timeout=limit, env=suite_env(self.files))
            if result.timed_out and retry:
                self.executed += 1
                result = run_tests(sandbox, args, mode=mode, timeout=limit * TIMEOUT_RETRY_FACTOR,
                                   env=suite_env(self.files))
        finally:
            for path in edited:
                if path in self.files:
                    sandbox.write_file(path, self.files[path])
                else:
                    sandbox.delete_file(path)
            for path in removed:
                sandbox.write_file(path, self.files[path])
        self.executed += 1
        if cached and (result.outcomes or result.collect_errors):
            self.cache.put(key, result)  # the cache refuses a time-out; a run with no report is not offered
        return result

    def _ready(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = self._factory()
            self._sandbox.load_workspace(self.files)
        return self._sandbox

    def close(self) -> None:
        """Release the sandbox when this suite created it for itself (a grading sandbox)."""
        if self._sandbox is not None and self._owns_sandbox:
            self._sandbox.close()
        self._sandbox = None
