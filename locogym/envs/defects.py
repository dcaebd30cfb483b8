"""What LoCo-RepoPatch and LoCo-RepoReview share: source arguments, validation through the env's sandbox and the
run cache, the task's core (validated once per process for every length) and the growth of its context with the
rejection of a fill that moves the gold, and the LoCo-Repo tool set with its workspace mirror (whose ``read_file``
reports the defect spans of ``Task.evidence`` as seen).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from locogym.core.errors import ConfigError, SandboxTimeout, SandboxUnavailable
from locogym.core.types import ScenarioConfig, Task, ToolCall, ToolResult, dumps, stable_hash
from locogym.envs.base import LocoEnv
from locogym.envs.provenance import code_notes
from locogym.envs.stored import open_store, stored_task
from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects import growth
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.edits import Edit
from locogym.scenarios.defects.inject import Injection
from locogym.scenarios.defects.mutations import Mutation
from locogym.scenarios.defects.project import ProjectSettings
from locogym.scenarios.defects.store import TaskStore, source_fingerprint
from locogym.scenarios.defects.suite import LOADED_FIX, Suite
from locogym.scenarios.defects.tasks import Context, Core, inject_for
from locogym.scenarios.repo import SourceTree
from locogym.scenarios.repo.workspace import RepoWorkspace
from locogym.tools.base import Submit, Tool, ToolContext
from locogym.tools.code import repo_tools

EDIT_TOOL = "edit_file"
# The code a patch or review task comes from; the store module only files tasks away.
GENERATOR_MODULES = ("locogym.core", "locogym.sandboxes", "locogym.scenarios.defects", "locogym.scenarios.repo",
                     "locogym.tools", "locogym.envs.base", "locogym.envs.defects", "locogym.envs.provenance")
NOT_GENERATOR = ("locogym.scenarios.defects.store",)
_CORE_CACHE_SIZE = 4
T = TypeVar("T")


class DefectEnv(LocoEnv):
    """The shared base of the patch and review envs (abstract: each adds its tools, task and grader)."""

    last_injection: Injection | None = None
    task_store: TaskStore | None = None
    last_task_origin: str | None = None  # "store", "built" or "rebuilt": where the last task came from
    cache_dir: str | None = None
    image: str | None = None
    min_catching_tests = 1  # tests that must catch a defect for it to be kept
    synthetic_branch_share: float | None = None  # share of branch functions in synthetic projects (None: default)

    # ------------------------------------------------------------------ arguments
    def configure_source(self, source: str = "synthetic", ref: str | None = None, test_command: str | None = None,
                         include: list[str] | None = None, exclude: list[str] | None = None,
                         cache_dir: str | None = None, image: str | None = None, defects: int | None = None,
                         task_store: str | bool | None = None, **unknown: Any) -> dict[str, Any]:
        if unknown:
            raise ConfigError(f"{self.env_id} takes no argument(s) {sorted(unknown)}.",
                              fix=f"See docs/envs/{self.env_id}.md for its arguments.")
        if not isinstance(source, str) or not source:
            raise ConfigError(f"source={source!r} is not a source spec.",
                              fix='Use "synthetic", a repository folder or a source archive path.')
        if defects is not None and (not isinstance(defects, int) or isinstance(defects, bool)
                                    or not 1 <= defects <= 10):
            raise ConfigError(f"defects={defects!r} is not a count in [1, 10].",
                              fix="Pass how many defects each task combines, e.g. defects=2 (or drop it).")
        settings = ProjectSettings(test_command=test_command, include=list(include or []),
                                   exclude=list(exclude or []))
        settings.test_args  # noqa: B018 - raises ConfigError when the command does not run pytest
        # Where runs are cached and which image runs them say how, not what: kept out of the params, which seed
        # the task and are recorded with it (a task must not change with the folder its cache lives in).
        self.cache_dir = cache_dir
        self.image = image
        self.task_store = open_store(task_store)
        return {"source": source, "ref": ref, "test_command": test_command, "include": settings.include,
                "exclude": settings.exclude, "defects": defects}

    def settings(self, config: ScenarioConfig) -> ProjectSettings:
        p = config.params
        return ProjectSettings(test_command=p.get("test_command"), include=p.get("include") or [],
                               exclude=p.get("exclude") or [])

    # ------------------------------------------------------------------ tools
    def repo_tools(self) -> list[Tool]:
        """The LoCo-Repo tool set, minus its own ``submit`` (each family adds its own)."""
        return [t for t in repo_tools() if t.name != "submit"]

    def submit_tool(self) -> Tool:
        return Submit()

    def toolset_names(self) -> list[str]:
        return list(self.toolset.names)

    @staticmethod
    def edit_call(path: str, old: str, new: str) -> ToolCall:
        return ToolCall(name=EDIT_TOOL, arguments={"path": path, "old": old, "new": new})

    # ------------------------------------------------------------------ sandboxes and cache
    def grading_backend(self) -> str:
        """The backend name of the episode's sandbox; grading sandboxes are made with the same backend."""
        if isinstance(self.sandbox_spec, Sandbox):
            return self.sandbox_spec.backend
        if self.sandbox_spec == "auto":
            return self.get_sandbox().backend
        return str(self.sandbox_spec)

    def sandbox_options(self) -> dict[str, Any]:
        """The Docker ``image`` of ``locogym.toml``, for the episode's sandbox and the grading sandboxes."""
        return {"image": self.image} if self.image else {}

    def fresh_sandbox(self) -> Sandbox:
        return make_sandbox(self.grading_backend(), **self.sandbox_options())

    def run_cache(self) -> RunCache:
        cache = getattr(self, "_run_cache", None)
        if cache is None:
            cache = RunCache(self.cache_dir) if self.cache_dir else RunCache()
            self._run_cache = cache
        return cache

    def benign_check(self, tree: SourceTree, injection: Injection) -> Callable[[dict[str, str]], bool]:
        """A check that refactored files keep every test that passed on the clean project passing (cached)."""
        passing = [*injection.fail_to_pass, *injection.pass_to_pass]

        def check(files: dict[str, str]) -> bool:
            suite = Suite(tree.name, tree.commit, tree.files, injection.test_args, self.get_sandbox,
                          self.grading_backend(), self.run_cache())
            edited = {p: t for p, t in files.items() if tree.files.get(p) != t}
            run = suite.run(f"refactors:{stable_hash(edited, 24)}", edited=edited, selection=passing)
            if run.timed_out:  # even with more time: the load's as likely as the edits', so no verdict on them
                raise SandboxTimeout(f"The suite of {tree.name} with the benign edits ran past its time twice; "
                                     "nothing was drawn.", fix=LOADED_FIX)
            return all(run.outcomes.get(t) == "passed" for t in passing)

        return check

    # ------------------------------------------------------------------ the task store
    def task_for(self, config: ScenarioConfig) -> Task:
        """The task of ``config``: from the task store when it holds it, else generated (and then stored)."""
        if self.task_store is None:
            return super().task_for(config)
        return stored_task(self, config, lambda: super(DefectEnv, self).task_for(config))

    @classmethod
    def generator_fingerprint(cls) -> str:
        """A digest of the code that makes this env's tasks: a stored task built by other code is never read."""
        return source_fingerprint((*GENERATOR_MODULES, cls.__module__), skip=NOT_GENERATOR)

    # ------------------------------------------------------------------ core and context
    def defect_rank(self, config: ScenarioConfig, tree: SourceTree) -> Callable[[Mutation], float] | None:
        """*Family hook.* How the core's candidate defects are ordered before validation (None: the seed's
        order); ``config`` seeds the task, ``tree`` is the core project."""
        return None

    def core(self, config: ScenarioConfig) -> Core:
        """The task's core: the project at the ladder's first rung and its validated defects (runs the tests in the
        env's sandbox on a cache miss), the same at every length and kept in the process for the other lengths.

        Raises:
            TaskRefused: the length is below the ladder's first rung.
            SandboxUnavailable: the fake sandbox, which cannot run tests.
            DataError: the project's tests do not run, or no defect survives validation.
        """
        if self.grading_backend() == "fake":
            raise SandboxUnavailable(f"{self.env_id} validates and grades by running the project's tests, which the "
                                     "in-memory fake sandbox cannot do.",
                                     fix="Use sandbox='docker', 'bwrap' or (trusted code only) 'local'.")
        growth.check_length(config)
        key = dumps(config.identity(without=("length",))).decode()
        cores = self._cores()
        core = cores.get(key)
        if core is None:
            tree = growth.core_project(config, self.synthetic_branch_share)
            seeding = self.seeding_config(config, tree)
            injection = inject_for(tree, seeding, self.settings(config), self.get_sandbox, self.grading_backend(),
                                   self.run_cache(), self.min_catching_tests, self.defect_rank(seeding, tree))
            core = cores[key] = Core(tree=tree, injection=injection, seeding=seeding)
            while len(cores) > _CORE_CACHE_SIZE:
                cores.popitem(last=False)
        cores.move_to_end(key)
        self.last_injection = core.injection
        return core

    def fill_candidates(self, config: ScenarioConfig, core: Core) -> list[tuple[int | None, SourceTree]]:
        """The projects of this length to try, in order: the core itself when it does not grow (a real tree, the
        first rung), else the grown projects of the fill stream's first entries (at most ``MAX_FILL_ATTEMPTS``)."""
        if not growth.grows(config, core.tree):
            return [(None, core.tree)]
        fills = growth.fill_stream(self.context_seeding(config, core), growth.MAX_FILL_ATTEMPTS)
        return [(f, growth.grown_project(config, core.tree, self.synthetic_branch_share, f)) for f in fills]

    def grow(self, config: ScenarioConfig, core: Core, finish: Callable[[Context], T]) -> T:
        """Grow the core's context to ``config.length`` and make the task with ``finish``.

        ``finish`` rejects a fill that moves the gold (it raises
        :class:`~locogym.scenarios.defects.growth.FillRejected`, from :meth:`recheck`); a rejected fill is
        recorded and the next one of the stream tried.

        Raises:
            TaskRefused: every candidate fill moved the gold.
        """
        rejected: list[dict[str, Any]] = []
        for fill, tree in self.fill_candidates(config, core):
            try:
                return finish(Context(tree=tree, seeding=self.context_seeding(config, core), fill=fill,
                                      rejected=list(rejected)))
            except growth.FillRejected as exc:
                rejected.append({"fill": fill, "reason": str(exc)})
        raise growth.refuse_fill(config.seed, config.length, rejected)

    def recheck(self, config: ScenarioConfig, core: Core, context: Context, also: list[Edit] | None = None
                ) -> growth.Recheck:
        """The core's defects validated again on the context's project, with the edits ``also`` applied.

        Raises:
            FillRejected: the fill moved the gold (the reason says how).
        """
        result = growth.recheck(core.injection, context.tree, self.settings(config), self.get_sandbox,
                                self.grading_backend(), self.run_cache(), also or [])
        if result.reason is not None:
            raise growth.FillRejected(result.reason)
        return result

    @staticmethod
    def context_seeding(config: ScenarioConfig, core: Core) -> ScenarioConfig:
        """The config that seeds the context at ``config``'s length: the core's seeding config (a real tree by
        its content) at this length and depth."""
        return core.seeding.model_copy(update={"length": config.length, "depth": config.depth})

    def _cores(self) -> OrderedDict[str, Core]:
        cores: OrderedDict[str, Core] | None = getattr(self, "_core_cache", None)
        if cores is None:
            cores = OrderedDict()
            self._core_cache = cores
        return cores

    @staticmethod
    def seeding_config(config: ScenarioConfig, tree: SourceTree) -> ScenarioConfig:
        """The config that seeds the task: a real project counts by its content, not by the folder it sits in,
        so the same code at another path (another machine, another temporary folder) gives the same task."""
        if tree.origin == "synthetic":  # generated from the seed itself: nothing of a folder in it
            return config
        return config.model_copy(update={"params": {**config.params, "source": f"content:{tree.commit}"}})

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        """Off-path reads (code that holds no defect), for error provenance."""
        return code_notes(call, result)

    def build_world(self, task: Task) -> RepoWorkspace:
        """The code tools' mirror of the workspace, seeded with the task's files (no sandbox read needed)."""
        return RepoWorkspace(dict(task.workspace or {}))
