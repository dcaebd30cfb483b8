"""A run's spending ledger: one file in the run folder that every worker books its model requests against.

``spend.json`` holds the dollars settled so far and the bookings still open (requests in flight, each with its
upper estimate and the process that made it). It is read and rewritten under an exclusive ``flock`` on
``spend.lock``, by every thread and process of the run, and it stays in the folder: a second invocation (a
resume, ``--retry-errored``) starts from what the first one spent. A booking whose process is gone (killed
mid-request) may have been billed, so it is counted as spent at its estimate, never dropped.

A request is allowed only while ``spent + open bookings + its estimate <= cap``; since the estimate is an upper
bound of the request's cost (see :mod:`locogym.agents.spend`), the run ends at or under the cap, and past it only
by what a provider's tokenizer counts beyond the estimate's margin.
"""

from __future__ import annotations

import fcntl
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from locogym.agents.spend import SpendCapReached
from locogym.core.errors import DataError

SPEND_FILE = "spend.json"
SPEND_LOCK = "spend.lock"
# How an episode stopped by the cap is recorded: errored (never scored), and played again when there is room.
SPEND_CAP_ERROR = "stopped by the run's spending cap"


class SpendLedger:
    """The :class:`~locogym.agents.spend.SpendGate` of a run folder (see the module docstring)."""

    def __init__(self, run_dir: str | Path, cap_usd: float | None) -> None:
        self.root = Path(run_dir)
        self.cap_usd = cap_usd
        self.path = self.root / SPEND_FILE

    # ------------------------------------------------------------------ the gate
    def reserve(self, estimate_usd: float) -> str:
        booking = uuid.uuid4().hex
        with self._locked() as state:
            committed = state["spent_usd"] + sum(b["usd"] for b in state["bookings"].values())
            if self.cap_usd is not None and committed + estimate_usd > self.cap_usd:
                raise SpendCapReached(
                    f"The run's spending cap is ${self.cap_usd:.2f}: ${state['spent_usd']:.4f} is spent and "
                    f"${committed - state['spent_usd']:.4f} booked by requests in flight, so the next request "
                    f"(up to ${estimate_usd:.4f}) does not fit.",
                    fix="Raise max_total_cost_usd (--max-cost) and run the same command again to go on.")
            state["bookings"][booking] = {"usd": estimate_usd, "pid": os.getpid(), "host": socket.gethostname()}
        return booking

    def settle(self, booking: str, cost_usd: float) -> None:
        with self._locked() as state:
            state["bookings"].pop(booking, None)
            state["spent_usd"] += cost_usd
            state["requests"] += 1

    # ------------------------------------------------------------------ reading
    def spent_usd(self) -> float:
        """Dollars settled plus dollars booked by requests still open (and by dead processes' requests)."""
        with self._locked() as state:
            return float(state["spent_usd"] + sum(b["usd"] for b in state["bookings"].values()))

    def exhausted(self) -> bool:
        """True when the cap is set and nothing more may be booked."""
        return self.cap_usd is not None and self.spent_usd() >= self.cap_usd

    # ------------------------------------------------------------------ storage
    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / SPEND_LOCK, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._read()
                before = orjson.dumps(state)
                _settle_orphans(state)
                yield state
                if orjson.dumps(state) != before:
                    self._write(state)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Any]:
        try:
            state = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {"schema_version": 1, "spent_usd": 0.0, "requests": 0, "bookings": {}}
        except orjson.JSONDecodeError as exc:
            raise DataError(f"The spending ledger is not valid JSON ({exc}).", path=str(self.path),
                            fix="It is rewritten atomically, so something else changed it; restore it or delete it "
                                "(which forgets what this run folder has spent).") from None
        if not isinstance(state, dict) or not isinstance(state.get("bookings"), dict):
            raise DataError("The spending ledger is not a locogym ledger.", path=str(self.path),
                            fix="Restore it, or delete it (which forgets what this run folder has spent).")
        return state

    def _write(self, state: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".spend-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(state, option=orjson.OPT_INDENT_2))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _settle_orphans(state: dict[str, Any]) -> None:
    """Count bookings of processes on this host that no longer exist as spent at their estimate."""
    host = socket.gethostname()
    for booking, entry in list(state["bookings"].items()):
        if entry.get("host") == host and not _alive(int(entry.get("pid", -1))):
            state["spent_usd"] += float(entry["usd"])
            del state["bookings"][booking]


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
