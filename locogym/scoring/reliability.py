"""How sure a leaderboard can be: repeated-trial reliability and paired comparisons between agents.

A single run of a task says little about an agent that samples: the same task may pass once and fail the next
time. These statistics read several trials of the same tasks and say how far a score can be trusted:

* ``pass^k`` — the chance that *all* k trials of a task succeed, estimated without bias from n >= k trials with
  c successes as C(c, k) / C(n, k) and averaged over tasks (the estimator of tau-bench);
* ``pass@k`` — the chance that *at least one* of k trials succeeds, 1 - C(n - c, k) / C(n, k) (HumanEval's);
* the flip rate — the share of tasks with two or more trials whose trials disagree;
* a paired comparison of two agents on the tasks both played: the mean per-task difference with a bootstrap
  interval over tasks, an exact two-sided sign test (Holm-corrected when several pairs are read together), and
  the number of tasks the sign test would need to separate them with 80% power at 5% two-sided, computed
  exactly from the binomial at the observed share of differing tasks and of wins among them (never below the 6
  tasks an exact sign test needs to reach 5% at all);
* Bradley-Terry ratings fitted to per-task wins between every pair of agents, with bootstrap intervals.

Intervals resample *tasks*, not episodes: trials of one task are not independent evidence. Everything here is
pure arithmetic on numbers handed in; nothing reads a run folder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from locogym.scoring.aggregate import DEFAULT_BOOTSTRAP, Interval, mean_ci

# Power and significance of the "tasks needed" estimate: the conventional 80% power at 5% two-sided.
POWER = 0.8
ALPHA = 0.05
# Bradley-Terry ratings are shown on the Elo scale: 400 points is a tenfold ratio of strengths.
ELO_SCALE = 400.0 / math.log(10.0)
ELO_CENTRE = 1000.0
# Half a win credited each way between every pair keeps the fit finite when one agent wins every comparison.
BT_PRIOR_WINS = 0.5


@dataclass(frozen=True)
class TaskTrials:
    """The trials of one task: how many were played and how many passed."""

    trials: int
    passes: int

    def __post_init__(self) -> None:
        if self.trials < 1 or not 0 <= self.passes <= self.trials:
            raise ValueError(f"{self.passes} passes of {self.trials} trials is impossible")


@dataclass(frozen=True)
class Reliability:
    """Repeated-trial statistics of one agent on one group of tasks.

    ``k`` is the trial count the pass^k and pass@k estimates are for (the smallest trial count any task has);
    ``flip_rate`` is ``None`` when no task has two trials, since nothing can flip.
    """

    tasks: int
    k: int
    pass_hat_k: Interval
    pass_at_k: Interval
    flip_rate: float | None
    flip_tasks: int  # tasks with at least two trials: the flip rate's n
    flip_interval: Interval | None = None  # the flip rate with its bootstrap interval over those tasks


@dataclass(frozen=True)
class PairedComparison:
    """Agent ``a`` minus agent ``b`` on their shared tasks (per-task mean success, trials averaged first)."""

    a: str
    b: str
    tasks: int
    difference: Interval
    a_better: int  # tasks where a's mean is higher
    b_better: int
    sign_p: float  # exact two-sided sign test over tasks that differ (1.0 when none differ)
    tasks_needed: int | None  # None: no observed difference, no number of tasks separates them
    p_holm: float | None = None  # the sign test's p after Holm's correction over the pairs read together

    @property
    def p_value(self) -> float:
        """The p a claim rests on: Holm-corrected when the pair was read with others, else the sign test's."""
        return self.sign_p if self.p_holm is None else self.p_holm

    @property
    def separated(self) -> bool:
        """True when the paired test clears ALPHA and the difference's interval leaves out zero."""
        return self.p_value < ALPHA and (self.difference.low > 0.0 or self.difference.high < 0.0)

    @property
    def leader(self) -> str:
        """The agent the shared tasks favour (``a`` on a tie)."""
        return self.b if self.difference.mean < 0 else self.a


def pass_hat_k(task: TaskTrials, k: int) -> float:
    """C(c, k) / C(n, k): the unbiased chance that k trials drawn from the n played all pass."""
    _check_k(task, k)
    return math.comb(task.passes, k) / math.comb(task.trials, k)


def pass_at_k(task: TaskTrials, k: int) -> float:
    """1 - C(n - c, k) / C(n, k): the unbiased chance that at least one of k trials passes."""
    _check_k(task, k)
    return 1.0 - math.comb(task.trials - task.passes, k) / math.comb(task.trials, k)


def flips(task: TaskTrials) -> bool:
    """True when a task's trials disagree (some pass, some fail)."""
    return 0 < task.passes < task.trials


def reliability(tasks: Sequence[TaskTrials], k: int | None = None, *, n_boot: int = DEFAULT_BOOTSTRAP,
                seed: int = 0) -> Reliability:
    """pass^k, pass@k (with bootstrap intervals over tasks) and the flip rate of one agent's tasks.

    ``k`` defaults to the fewest trials any task has, so every task contributes.

    Raises:
        ValueError: no tasks, or ``k`` larger than some task's trial count.
    """
    if not tasks:
        raise ValueError("reliability needs at least one task")
    k = min(t.trials for t in tasks) if k is None else k
    hat = [pass_hat_k(t, k) for t in tasks]
    at = [pass_at_k(t, k) for t in tasks]
    repeated = [t for t in tasks if t.trials >= 2]
    flipped = [float(flips(t)) for t in repeated]
    return Reliability(tasks=len(tasks), k=k, pass_hat_k=mean_ci(hat, n_boot=n_boot, seed=seed),
                       pass_at_k=mean_ci(at, n_boot=n_boot, seed=seed),
                       flip_rate=sum(flipped) / len(flipped) if flipped else None, flip_tasks=len(repeated),
                       flip_interval=mean_ci(flipped, n_boot=n_boot, seed=seed) if flipped else None)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: each p multiplied by the number of hypotheses not yet rejected, kept monotone."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted: dict[int, float] = {}
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return [adjusted[i] for i in range(len(p_values))]


def compare(a: str, b: str, scores_a: Mapping[str, float], scores_b: Mapping[str, float], *,
            n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0) -> PairedComparison:
    """Paired comparison of two agents over the tasks both have a score for (task id -> per-task mean)."""
    shared = sorted(set(scores_a) & set(scores_b))
    diffs = [scores_a[t] - scores_b[t] for t in shared]
    a_better = sum(1 for d in diffs if d > 0)
    b_better = sum(1 for d in diffs if d < 0)
    interval = mean_ci(diffs, n_boot=n_boot, seed=seed) if diffs else Interval(0.0, 0.0, 0.0, 0)
    return PairedComparison(a=a, b=b, tasks=len(shared), difference=interval, a_better=a_better,
                            b_better=b_better, sign_p=sign_test(a_better, b_better),
                            tasks_needed=tasks_needed(diffs))


def sign_test(wins: int, losses: int) -> float:
    """Exact two-sided binomial sign test p-value for ``wins`` against ``losses`` (ties dropped beforehand)."""
    n = wins + losses
    tail = sum(math.comb(n, i) for i in range(0, min(wins, losses) + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


MIN_SIGN_TEST_TASKS = 6  # the fewest tasks whose exact two-sided sign test can reach p < 0.05 (2 / 2**6)
MAX_TASKS_NEEDED = 5000  # beyond this the estimate says "more than"


def tasks_needed(diffs: Sequence[float], *, power: float = POWER, alpha: float = ALPHA) -> int | None:
    """Tasks the exact sign test needs to separate two agents with ``power`` at ``alpha`` (two-sided), if the
    observed share of tasks on which they differ, and the share of those the leader wins, held.

    For N tasks, the differing ones are Binomial(N, share); for m of them the test rejects when the leader wins
    at least the exact critical count; the power at N is that rejection's probability summed over m. The answer
    is the smallest N reaching ``power`` (at least :data:`MIN_SIGN_TEST_TASKS`, at most
    :data:`MAX_TASKS_NEEDED`). ``None`` when the agents differ nowhere or win equally often: then no number of
    tasks separates them.
    """
    from scipy.stats import binom

    wins, losses = sum(1 for d in diffs if d > 0), sum(1 for d in diffs if d < 0)
    if wins == losses:
        return None
    share, lead = (wins + losses) / len(diffs), max(wins, losses) / (wins + losses)
    m = np.arange(MAX_TASKS_NEEDED + 1)
    # The exact critical count for m differing tasks: the least c with 2 * P(Bin(m, 1/2) >= c) <= alpha.
    critical = binom.isf(alpha / 2.0, m, 0.5) + 1
    sign_power = np.where(critical <= m, binom.sf(critical - 1, m, lead) + binom.cdf(m - critical, m, lead), 0.0)

    def enough(n: int) -> bool:
        return float(np.dot(binom.pmf(m[:n + 1], n, share), sign_power[:n + 1])) >= power

    # The power grows with N up to the sawtooth of a discrete test: bracket by doubling, then bisect.
    low, high = MIN_SIGN_TEST_TASKS - 1, MIN_SIGN_TEST_TASKS
    while not enough(high):
        if high >= MAX_TASKS_NEEDED:
            return MAX_TASKS_NEEDED
        low, high = high, min(2 * high, MAX_TASKS_NEEDED)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def bradley_terry(scores: Mapping[str, Mapping[str, float]], *, n_boot: int = 200, seed: int = 0
                  ) -> dict[str, Interval]:
    """Bradley-Terry ratings (Elo scale, centred on 1000) from per-task paired comparisons, with intervals.

    ``scores`` maps agent -> task id -> per-task mean success. For every pair of agents and every task both
    played, the higher mean wins; equal means count half a win each. Intervals resample tasks. The interval's
    ``n`` is the number of tasks the agent played.
    """
    agents = sorted(scores)
    if len(agents) < 2:
        return {a: Interval(ELO_CENTRE, ELO_CENTRE, ELO_CENTRE, len(scores[a])) for a in agents}
    task_ids = sorted({t for per_task in scores.values() for t in per_task})
    matrix = np.full((len(agents), len(task_ids)), np.nan)
    for i, agent in enumerate(agents):
        for j, task in enumerate(task_ids):
            if task in scores[agent]:
                matrix[i, j] = scores[agent][task]
    point = _fit_bt(_win_counts(matrix))
    rng = np.random.default_rng(seed)
    draws = np.array([_fit_bt(_win_counts(matrix[:, rng.integers(0, len(task_ids), len(task_ids))]))
                      for _ in range(max(0, n_boot))]).reshape(-1, len(agents))
    out = {}
    for i, agent in enumerate(agents):
        low, high = (np.quantile(draws[:, i], [0.025, 0.975]) if len(draws) else (point[i], point[i]))
        out[agent] = Interval(float(point[i]), float(min(low, point[i])), float(max(high, point[i])),
                              len(scores[agent]))
    return out


def _win_counts(matrix: np.ndarray) -> np.ndarray:
    """wins[i, j]: tasks on which agent i beat agent j (ties half each), over tasks both played."""
    n = matrix.shape[0]
    wins = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
            a, b = matrix[i, both], matrix[j, both]
            wins[i, j] = float(np.sum(a > b)) + 0.5 * float(np.sum(a == b))
    return wins


def _fit_bt(wins: np.ndarray, iterations: int = 500) -> np.ndarray:
    """Minorise-maximise fit of Bradley-Terry strengths (Hunter 2004), returned as centred Elo ratings."""
    n = wins.shape[0]
    wins = wins + BT_PRIOR_WINS * (1.0 - np.eye(n))
    games = wins + wins.T
    strength = np.ones(n)
    for _ in range(iterations):
        denom = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = wins.sum(axis=1) / denom
        updated /= np.exp(np.mean(np.log(updated)))
        if np.allclose(updated, strength, rtol=1e-10, atol=1e-12):
            strength = updated
            break
        strength = updated
    logs = np.log(strength)
    ratings: np.ndarray = ELO_CENTRE + ELO_SCALE * (logs - logs.mean())
    return ratings


def _check_k(task: TaskTrials, k: int) -> None:
    if not 1 <= k <= task.trials:
        raise ValueError(f"k={k} needs between 1 and {task.trials} (the task's trials)")
