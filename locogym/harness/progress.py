"""The live view of a running tournament: episodes done, running, errored, tokens, cost and ETA.

:class:`TournamentProgress` only counts; :meth:`TournamentProgress.render` turns the counts into a rich
renderable, so the same numbers can be shown live (``rich.live.Live``), printed once, or checked in tests.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from locogym.core.types import EpisodeResult


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class TournamentProgress:
    """Counters of one tournament invocation. ``skipped`` episodes were finished by an earlier invocation."""

    total: int
    skipped: int = 0
    done: int = 0
    errored: int = 0
    refused: int = 0  # tasks the options cannot make (a length too short for the core): never played
    running: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    started: float = field(default_factory=time.monotonic)
    running_by_provider: Counter[str] = field(default_factory=Counter)
    last: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return self.done + self.errored + self.refused

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.finished

    def eta_s(self, now: float | None = None) -> float | None:
        """Remaining episodes at this invocation's observed rate (None until one has finished)."""
        if self.finished == 0:
            return None
        elapsed = (now or time.monotonic()) - self.started
        return elapsed / self.finished * self.remaining

    def start(self, provider: str) -> None:
        self.running += 1
        self.running_by_provider[provider] += 1

    def finish(self, provider: str, result: EpisodeResult) -> None:
        self.running -= 1
        self.running_by_provider[provider] -= 1
        if result.status == "errored":
            self.errored += 1
        elif result.status == "refused":
            self.refused += 1
        else:
            self.done += 1
        self.tokens += result.usage.total_tokens
        self.cost_usd += result.usage.cost_usd
        verdict = (f"[red]errored[/] {escape((result.error or '')[:120])}" if result.status == "errored" else
                   f"[yellow]refused[/] {escape((result.error or '')[:120])}" if result.status == "refused" else
                   f"{result.score.success:.2f} {escape(result.score.outcome)}" if result.score else "no score")
        self.last = [*self.last[-2:], f"{escape(result.agent)} · {escape(result.env)} · "
                                      f"{result.length // 1024}k · seed {result.seed}: {verdict}"]

    def render(self, now: float | None = None) -> RenderableType:
        now = now or time.monotonic()
        completed = self.skipped + self.finished
        table = Table.grid(padding=(0, 2))
        for _ in range(8):
            table.add_column()
        table.add_row(
            ProgressBar(total=max(1, self.total), completed=completed, width=30),
            Text(f"{completed}/{self.total}", style="bold"),
            Text(f"done {self.done + self.skipped}", style="green"),
            Text(f"running {self.running}", style="cyan"),
            Text(f"errored {self.errored}", style="red" if self.errored else "dim"),
            Text(f"refused {self.refused}", style="yellow" if self.refused else "dim"),
            Text(f"{self.tokens:,} tok · ${self.cost_usd:,.4f}"),
            Text(f"elapsed {format_duration(now - self.started)} · ETA {format_duration(self.eta_s(now))}"),
        )
        lines: list[RenderableType] = [table]
        busy = ", ".join(f"{p} {n}" for p, n in sorted(self.running_by_provider.items()) if n)
        if busy:
            lines.append(Text(f"in flight: {busy}", style="dim"))
        lines.extend(Text.from_markup(f"[dim]last:[/] {line}", overflow="ellipsis") for line in self.last)
        return Group(*lines)
