"""What checking a run costs: ``locogym score``'s re-grade against playing the episodes in the first place.

For each env and baseline agent, SEEDS episodes are played through the tournament worker (in this process) into
a fresh run folder; then :func:`locogym.harness.rescore.rescore_run` re-grades the folder (regenerating each task,
re-playing the recorded actions, grading again, checking rows and seals). Per env it reports the median wall
time of one episode as played (``play_s``, from ``episodes.jsonl``) and of one re-grade (``regrade_s``), and their
ratio. The seal's own cost is measured apart: the recorder's HMAC over a trajectory file, per MB.

    python bench/regrade.py [--seeds 3] [--sandbox bwrap]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locogym.core.types import EpisodeResult  # noqa: E402
from locogym.harness import rescore  # noqa: E402
from locogym.harness.rundir import RunDir  # noqa: E402
from locogym.harness.schedule import build_config, default_fields, plan  # noqa: E402
from locogym.harness.worker import execute_episode  # noqa: E402

ENVS = ["LoCo-WikiHop-v0", "LoCo-FuncCall-v0", "LoCo-Repo-v0"]
AGENTS = ["noop", "oracle", "heuristic"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    figures: dict[str, object] = {"seeds": args.seeds, "sandbox": args.sandbox, "agents": AGENTS, "envs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        config = build_config({**default_fields(), "agents": AGENTS, "envs": ENVS, "lengths": ["8k"],
                               "seeds": args.seeds, "sandbox": args.sandbox, "out": str(out)})
        with RunDir(out).writer() as writer:
            for job in plan(config):
                writer.append(EpisodeResult.model_validate(execute_episode(job.model_dump(mode="json"), str(out))))
        played = {r.key: r for r in RunDir(out).read_results()}
        timings: dict[str, list[float]] = {}
        original = rescore._check_episode

        def timed(*a: object, **k: object) -> rescore.EpisodeCheck:
            started = time.perf_counter()
            result = original(*a, **k)  # type: ignore[arg-type]
            timings[result.key] = [time.perf_counter() - started]
            return result

        rescore._check_episode = timed  # type: ignore[assignment]
        check = rescore.rescore_run(out)
        rescore._check_episode = original  # type: ignore[assignment]
        per_env: dict[str, dict[str, float]] = {}
        for env in ENVS:
            keys = [k for k, r in played.items() if r.env == env]
            play = statistics.median(played[k].wall_time_s for k in keys)
            regrade = statistics.median(timings[k][0] for k in keys)
            per_env[env] = {"episodes": len(keys), "play_s": round(play, 4), "regrade_s": round(regrade, 4),
                            "regrade_over_play": round(regrade / play, 2) if play else 0.0}
        figures["envs"] = per_env
        figures["all_match"] = check.ok
        biggest = max((out / r.trajectory_path for r in played.values() if r.trajectory_path),
                      key=lambda p: p.stat().st_size)
        data = biggest.read_bytes()
        started = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            mac = hmac.new(b"key", digestmod=hashlib.sha256)
            for line in data.split(b"\n"):
                mac.update(line + b"\n")
        per_mb = (time.perf_counter() - started) / rounds / (len(data) / 1e6)
        figures["seal_ms_per_mb"] = round(per_mb * 1000, 3)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
