"""A live terminal view of an episode: one line per step as it happens."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from locogym.core.types import StepEvent, Trajectory, dumps


class StepPrinter:
    """An episode listener that prints each step (tool, arguments, error, tokens) to a rich console."""

    def __init__(self, console: Console, width: int = 100) -> None:
        self.console = console
        self.width = width

    def on_reset(self, trajectory: Trajectory) -> None:
        task = trajectory.task
        self.console.rule(f"{trajectory.env_id} · {task.task_id if task else '?'} · {trajectory.agent}")
        if task is not None:
            self.console.print(f"[dim]{task.length_tokens:,} tokens · sandbox {trajectory.sandbox or 'none'} · "
                               f"content {task.content_hash[:12]}[/]")

    def on_step(self, step: StepEvent) -> None:
        if step.call is not None:
            args = dumps(step.call.arguments).decode()
            action = f"{step.call.name}({args[: self.width]}{'…' if len(args) > self.width else ''})"
        else:
            action = "<unreadable action>"
        status = f"[red]{step.result.error.value}[/]" if step.result.error else "[green]ok[/]"
        first = step.result.output.strip().splitlines()[0][: self.width] if step.result.output.strip() else ""
        self.console.print(f"[bold]{step.index:>3}[/] s{step.session} {escape(action)} → {status} "
                           f"[dim]{step.obs_tokens:,} tok · ctx {step.context_tokens:,} · {step.latency_ms:.0f} ms[/]")
        if first:
            self.console.print(f"      [dim]{escape(first)}[/]")

    def on_event(self, event: dict[str, Any]) -> None:
        self.console.print(f"[yellow]event[/] {escape(dumps(event).decode()[:200])}")

    def on_end(self, trajectory: Trajectory) -> None:
        score = trajectory.score
        if score is not None:
            self.console.rule(f"{trajectory.termination} · success {score.success:.3f} · {score.outcome}")
