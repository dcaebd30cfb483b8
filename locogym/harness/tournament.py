"""Tournaments: agents × envs × tasks × lengths × seeds, scheduled on asyncio, resumable, on one machine or Ray.

How an invocation goes:

1. :func:`~locogym.harness.schedule.plan` expands the config into episodes with stable keys.
2. The sandbox backend is resolved once (``auto`` → docker, then bwrap; a tournament of baseline agents only —
   trusted code — may fall back to ``local``, always with a loud warning).
3. Keys already finished in ``episodes.jsonl`` are skipped (errored ones too, unless ``retry_errored``; episodes
   the spending cap stopped always run again).
4. The rest run with one asyncio semaphore per provider (``concurrency``): model-free episodes are CPU work and
   go to a process pool; model-backed ones wait on the network and run as threads spread over as many processes
   (:mod:`.threaded_pool`), or all of them as Ray tasks with ``backend="ray"``. Each result is appended durably
   the moment it arrives (see :mod:`.rundir`).
5. With ``max_total_cost_usd`` every model request is booked in the run folder's ledger (:mod:`.spend`) before it
   is sent; when the cap leaves no room, requests stop, no new episode starts, and the summary says so. The
   ledger persists, so the cap holds across invocations.
6. Ctrl-C once stops scheduling and lets running episodes finish and be recorded; twice abandons them (they
   run again next time). SIGKILL loses only the episodes in flight, which also run again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.live import Live
from rich.markup import escape

from locogym.core.errors import ConfigError, SandboxUnavailable
from locogym.core.salt import SaltKey, derive, new_nonce, nonce_of, resolve_salt, seal_key
from locogym.core.types import EpisodeResult
from locogym.harness.grid import SEAL_FIELD, plan_seal
from locogym.harness.progress import TournamentProgress
from locogym.harness.provenance import recorded_salts, recorded_sandboxes
from locogym.harness.rundir import ResultWriter, RunDir
from locogym.harness.schedule import BASELINE_PROVIDER, EpisodeJob, TournamentConfig, env_class, plan
from locogym.harness.spend import SPEND_CAP_ERROR, SpendLedger
from locogym.harness.threaded_pool import ThreadedProcessPool
from locogym.harness.worker import execute_episode, init_pool_worker

ISOLATED_BACKENDS = ("docker", "bwrap")


class EpisodeExecutor(Protocol):
    """Where episodes run. ``run`` returns an EpisodeResult as a dict and raises only when the worker itself died."""

    async def run(self, job: EpisodeJob) -> dict[str, Any]: ...

    def close(self, abandon: bool = False) -> None: ...


@dataclass
class TournamentSummary:
    """What one invocation did. ``results`` holds the run folder's current result of every planned key."""

    run_dir: Path
    planned: int
    skipped: int
    done: int
    errored: int
    wall_time_s: float
    sandbox: str
    refused: int = 0  # tasks the options could not make (a length too short for the core): never played
    interrupted: bool = False
    stopped_by_budget: bool = False
    spent_usd: float = 0.0  # what the run folder's ledger says was spent, over every invocation
    cap_usd: float | None = None
    results: dict[str, EpisodeResult] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every planned episode has a result that is not an error (a refused task is a result: running it again
        would refuse it again)."""
        return self.planned == sum(1 for r in self.results.values() if r.status in ("done", "refused"))


# ---------------------------------------------------------------------------------------------- executors
class LocalExecutor:
    """Model-free episodes (CPU work) in a process pool, one episode per process at a time; model-backed ones
    (mostly waiting) spread over the same number of processes with many episode threads each."""

    def __init__(self, run_root: Path, workers: int, threads: int) -> None:
        self.run_root = str(run_root)
        self.workers = workers
        self.threads = max(1, threads)
        self._pool: ProcessPoolExecutor | None = None
        self._threads: ThreadedProcessPool | None = None
        self._generation = 0

    def _process_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of a process with an event loop and threads is not safe
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=init_pool_worker)
        return self._pool

    def model_pool(self) -> ThreadedProcessPool:
        if self._threads is None:
            processes = min(self.workers, self.threads)
            self._threads = ThreadedProcessPool(processes, -(-self.threads // processes), self.run_root)
            self._threads.start()
        return self._threads

    async def run(self, job: EpisodeJob) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        data = job.model_dump(mode="json")
        if job.provider != BASELINE_PROVIDER:
            return await self.model_pool().run(data)
        generation = self._generation
        try:
            return await loop.run_in_executor(self._process_pool(), execute_episode, data, self.run_root)
        except BrokenProcessPool:
            if generation == self._generation:  # the first to notice replaces the pool for everyone else
                self._generation += 1
                broken, self._pool = self._pool, None
                if broken is not None:
                    broken.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self, abandon: bool = False) -> None:
        if abandon:
            for child in multiprocessing.active_children():
                child.terminate()
        if self._pool is not None:
            self._pool.shutdown(wait=not abandon, cancel_futures=True)
            self._pool = None
        if self._threads is not None:
            self._threads.close(abandon=abandon)
            self._threads = None


# ---------------------------------------------------------------------------------------------- sandbox choice
def resolve_sandbox(config: TournamentConfig, jobs: list[EpisodeJob], console: Console) -> str:
    """The concrete backend for ``sandbox="auto"``: probe docker, then bwrap, once, before anything is spent.

    Raises:
        SandboxUnavailable: no isolated backend works and a model-backed agent is in the tournament.
    """
    if config.sandbox == "local" or any(job.sandbox == "local" for job in jobs):
        console.print("[bold yellow]warning:[/] sandbox local is configured, so tool calls run in a temporary "
                      "folder on this machine, without isolation.")
        quiet_local_warning()
    if config.sandbox != "auto":
        return config.sandbox
    needs = {job.env for job in jobs if job.sandbox == "auto" and getattr(env_class(job.env), "uses_sandbox", False)}
    if not needs:
        return "auto"
    from locogym.sandboxes.base import make_sandbox

    reasons: list[str] = []
    for backend in ISOLATED_BACKENDS:
        try:
            probe = make_sandbox(backend)
        except (SandboxUnavailable, ImportError, ConfigError, OSError) as exc:
            reasons.append(f"{backend}: {getattr(exc, 'message', None) or exc}")
            continue
        probe.close()
        if reasons:
            console.print(f"[yellow]sandbox auto → {backend}[/] ({'; '.join(reasons)})")
        return backend
    trusted = all(job.provider == BASELINE_PROVIDER for job in jobs)
    if not trusted:
        raise SandboxUnavailable("No isolated sandbox works here for a tournament with model agents: "
                                 + "; ".join(reasons) + ".",
                                 fix="Start Docker and run `locogym sandbox build`, or install bubblewrap "
                                     "(`locogym sandbox doctor` explains); or set sandbox = \"local\" explicitly "
                                     "if you accept running model-chosen commands without isolation.")
    # Said once, here, in plain words; the sandboxes this run creates stay quiet about it (see quiet_local_warning).
    console.print("[bold yellow]warning:[/] no isolated sandbox works here (" + escape("; ".join(reasons))
                  + "), so the baseline agents run their tool calls in a temporary folder on this machine, without "
                  "isolation. Baselines are trusted code; a tournament with model agents would stop instead. "
                  "`locogym sandbox doctor` says how to get docker or bubblewrap working.")
    quiet_local_warning()
    return "local"


def quiet_local_warning() -> None:
    """Silence the per-sandbox local warning in this process: the tournament has already said it once."""
    from locogym.sandboxes.local import LocalSandboxWarning

    warnings.filterwarnings("ignore", category=LocalSandboxWarning)


def _prune_orphans(console: Console) -> None:
    """Remove sandbox containers whose owning process is gone (a killed run's workers can leave some behind)."""
    try:
        from locogym.sandboxes.doctor import prune

        removed = prune()
    except (SandboxUnavailable, ImportError, OSError) as exc:
        console.print(f"[dim]could not look for sandbox containers left by a killed run: {exc}[/]")
        return
    if removed:
        console.print(f"[yellow]removed {len(removed)} sandbox container(s) whose run has ended:[/] "
                      + escape("; ".join(str(r) for r in removed)))


# ---------------------------------------------------------------------------------------------- the run
def pending_jobs(jobs: list[EpisodeJob], finished: dict[str, EpisodeResult],
                 retry_errored: bool) -> list[EpisodeJob]:
    """Jobs still to run: no result yet, an errored one when retrying, or one the spending cap stopped."""
    out = []
    for job in jobs:
        result = finished.get(job.key)
        if result is None or (result.status == "errored" and (retry_errored or stopped_by_cap(result))):
            out.append(job)
    return out


def stopped_by_cap(result: EpisodeResult) -> bool:
    """The episode was not played out because the run's spending cap left no room (not a failure)."""
    return result.status == "errored" and (result.error or "").startswith(SPEND_CAP_ERROR)


def run_tournament(config: TournamentConfig, *, retry_errored: bool = False, console: Console | None = None,
                   live: bool = True, executor: EpisodeExecutor | None = None,
                   jobs: list[EpisodeJob] | None = None, seed_salt: str | None = None) -> TournamentSummary:
    """Run (or resume) a tournament into ``config.out`` and return what happened.

    ``seed_salt`` (default ``$LOCOGYM_SEED_SALT``) makes the tasks secret: see :mod:`locogym.core.salt`.

    Raises:
        ConfigError: the config is wrong, another tournament is writing to the same folder, or the folder's
            finished episodes ran in another sandbox or with another salt than this invocation would use.
        SandboxUnavailable: see :func:`resolve_sandbox`.
    """
    console = console or Console(stderr=True)
    started = time.monotonic()
    explicit = jobs is not None  # handed in (an arena): the sealed key list, not the config, is the grid
    jobs = jobs if jobs is not None else plan(config)
    salt = resolve_salt(seed_salt)
    run_dir = RunDir(config.out)
    salt_key = _salt_key(run_dir, salt)
    if salt_key is not None:
        jobs = [j.model_copy(update={"seed_salt": salt, "salt_nonce": salt_key.nonce}) for j in jobs]
    sandbox = resolve_sandbox(config, jobs, console)
    if sandbox == "docker" or any(job.sandbox == "docker" for job in jobs):
        _prune_orphans(console)
    if sandbox != config.sandbox:
        jobs = [j.model_copy(update={"sandbox": sandbox}) if j.sandbox == config.sandbox else j for j in jobs]
    ledger = SpendLedger(run_dir.path, config.max_total_cost_usd)
    with run_dir.writer() as writer:
        finished = run_dir.latest()
        todo = pending_jobs(jobs, finished, retry_errored)
        _refuse_mixing(run_dir, list(finished.values()), todo, salt_key.fingerprint if salt_key else None)
        run_dir.write_plan(plan_record(config, jobs, todo, list(finished.values()), salt_key, explicit=explicit))
        progress = TournamentProgress(total=len(jobs), skipped=len(jobs) - len(todo))
        state = _RunState()
        if any(job.spend_cap_usd is not None for job in todo) and ledger.exhausted():
            state.budget_stop = True
            console.print(f"[yellow]this run folder has already spent its cap (${ledger.spent_usd():.4f} of "
                          f"${config.max_total_cost_usd}): no episode starts[/]")
            todo = [job for job in todo if job.spend_cap_usd is None]
        if todo:
            own_executor = executor is None
            if executor is None:
                executor = _make_executor(config, run_dir, todo)
            try:
                asyncio.run(_run_all(todo, config, executor, writer, progress, state, console, live, ledger))
            except KeyboardInterrupt:
                state.interrupted = True
                state.abandon = True
            finally:
                if own_executor:
                    executor.close(abandon=state.abandon)
    results = run_dir.latest()
    planned = {job.key for job in jobs}
    used = recorded_sandboxes(list(results.values()))
    return TournamentSummary(run_dir=run_dir.path, planned=len(jobs), skipped=progress.skipped, done=progress.done,
                             errored=progress.errored, refused=progress.refused,
                             wall_time_s=time.monotonic() - started,
                             sandbox=", ".join(used) if used else sandbox,
                             interrupted=state.interrupted, stopped_by_budget=state.budget_stop,
                             spent_usd=ledger.spent_usd() if ledger.path.exists() else 0.0,
                             cap_usd=config.max_total_cost_usd,
                             results={k: v for k, v in results.items() if k in planned})


@dataclass
class _RunState:
    interrupted: bool = False
    abandon: bool = False
    budget_stop: bool = False


def _salt_key(run_dir: RunDir, salt: str | None) -> SaltKey | None:
    """The salt stretched under the run folder's nonce: the one its plan records when the run is resumed, a fresh
    one for a new folder (so a guess at the salt made for one published run does not serve another)."""
    if salt is None:
        return None
    recorded = (run_dir.read_plan() or {}).get("salt_hash")
    return derive(salt, nonce_of(recorded) if recorded else new_nonce())


def _make_executor(config: TournamentConfig, run_dir: RunDir, todo: list[EpisodeJob]) -> EpisodeExecutor:
    if config.backend == "ray":
        from locogym.harness.ray_backend import RayExecutor

        return RayExecutor(run_dir.path.resolve(), address=config.ray_address)
    providers = {job.provider for job in todo} - {BASELINE_PROVIDER}
    threads = sum(config.concurrency_for(p) for p in providers)
    return LocalExecutor(run_dir.path.resolve(), workers=config.worker_count(), threads=threads)


def _sandbox_of(job: EpisodeJob) -> str | None:
    """The backend a job runs in, or None for a family without a sandbox."""
    return job.sandbox if getattr(env_class(job.env), "uses_sandbox", False) else None


def _refuse_mixing(run_dir: RunDir, finished: list[EpisodeResult], todo: list[EpisodeJob],
                   salt_id: str | None) -> None:
    """A leaderboard compares like with like: new episodes may not join finished ones that ran in another
    sandbox or were generated with another salt (or none)."""
    if not todo:
        return
    used = recorded_sandboxes(finished)
    new = sorted({b for b in map(_sandbox_of, todo) if b is not None})
    if used and new and set(new) != set(used):
        raise ConfigError(f"{run_dir.path} holds episodes that ran in the {', '.join(used)} sandbox; this "
                          f"invocation would run the rest in {', '.join(new)}, and one run would mix both.",
                          fix=f"Pass --sandbox {used[0]} to finish it as it began, or --out a new folder.")
    salts = recorded_salts(finished)
    if salts and salts != [salt_id]:
        had = "a seed salt" if salts != [None] else "no seed salt"
        now = "none" if salt_id is None else "a different one" if salts != [None] else "one"
        raise ConfigError(f"{run_dir.path} holds episodes generated with {had}; this invocation has {now}, so its "
                          "tasks would not be the same tasks.",
                          fix="Use the salt the run began with (--seed-salt or LOCOGYM_SEED_SALT), or --out a new "
                              "folder.")


def plan_record(config: TournamentConfig, jobs: list[EpisodeJob], todo: list[EpisodeJob],
                finished: list[EpisodeResult], salt_key: SaltKey | None, *, explicit: bool = False) -> dict[str, Any]:
    """``tournament.json``, sealed (see :mod:`locogym.harness.grid`). Its sandbox is what the episodes ran in (and
    what the pending ones will run in), never just the last invocation's choice. ``explicit``: the jobs were handed
    in rather than expanded from the config, so the sealed key list is the grid."""
    from locogym.core.version import package_version

    sandboxes = sorted(set(recorded_sandboxes(finished)) | {b for b in map(_sandbox_of, todo) if b is not None})
    record: dict[str, Any] = {
        "schema_version": 1, "locogym_version": package_version(),
        "sandbox": ", ".join(sandboxes) if sandboxes else None, "salt_hash": salt_key.fingerprint if salt_key else None,
        "config": config.model_dump(mode="json", exclude={"agents"}) | {
            "agents": [{"spec": a.spec, "label": a.label, "settings": a.public_settings()} for a in config.agents]},
        "response_caches": {a.name: _cache_folder(a.settings.get("cache")) for a in config.agents
                            if a.provider != BASELINE_PROVIDER},
        "episodes": len(jobs), "keys": sorted(job.key for job in jobs), "grid": "explicit" if explicit else "config"}
    record[SEAL_FIELD] = plan_seal(record, seal_key(salt_key))
    return record


def _cache_folder(setting: Any) -> str | None:
    """The response cache folder an agent with ``cache=setting`` uses (None: caching is off)."""
    from locogym.agents.cache import default_cache_dir

    if setting is False:
        return None
    if setting is None or setting is True:
        return str(default_cache_dir().resolve())
    return str(Path(setting).expanduser().resolve())


async def _run_all(todo: list[EpisodeJob], config: TournamentConfig, executor: EpisodeExecutor,
                   writer: ResultWriter, progress: TournamentProgress, state: _RunState, console: Console,
                   live: bool, ledger: SpendLedger) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    main = asyncio.current_task()
    limits = {p: asyncio.Semaphore(config.concurrency_for(p)) for p in {job.provider for job in todo}}

    def on_sigint() -> None:
        if not stop.is_set():
            state.interrupted = True
            stop.set()
            console.print("[yellow]interrupted: finishing the running episodes and recording them "
                          "(Ctrl-C again to abandon them; they will run next time)[/]")
        else:
            state.abandon = True
            if main is not None:
                main.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread: Ctrl-C stays the default
        pass

    async def one(job: EpisodeJob) -> None:
        async with limits[job.provider]:
            if stop.is_set():
                return
            if job.spend_cap_usd is not None and ledger.exhausted():
                stop_for_budget()
                return
            progress.start(job.provider)
            try:
                data = await executor.run(job)
                result = EpisodeResult.model_validate(data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the worker died (not the episode): an infrastructure error
                result = EpisodeResult(key=job.key, agent=job.agent, env=job.env, options=job.options,
                                       env_args=job.env_args, seed=job.seed, length=job.length, status="errored",
                                       termination="error",
                                       error=f"the worker running the episode failed: {type(exc).__name__}: {exc}")
            writer.append(result)
            progress.finish(job.provider, result)
            if stopped_by_cap(result):
                stop_for_budget()

    def stop_for_budget() -> None:
        if not state.budget_stop:
            state.budget_stop = True
            stop.set()
            console.print(f"[yellow]the run's spending cap (${config.max_total_cost_usd}) is reached: no new "
                          "requests or episodes start[/]")

    tasks = [asyncio.ensure_future(one(job)) for job in todo]
    view = Live(progress.render(), console=console, refresh_per_second=4, transient=False) if live else None
    try:
        if view is not None:
            view.start()
        gathered = asyncio.gather(*tasks)
        while not gathered.done():
            await asyncio.wait([gathered], timeout=0.25)
            if view is not None:
                view.update(progress.render())
        gathered.result()
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if view is not None:
            view.update(progress.render())
            view.stop()
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
