"""The ``local`` backend: a temp folder on the host and the tool server as a plain child process.

There is **no isolation**: commands run as the calling user and can read and write anything that user can, and
reach the network. It exists for development and for machines without Docker or bubblewrap, and is only used
when asked for by name (``sandbox="local"``); creating one warns. What it still guarantees: commands get a clean
environment (never the host's variables, where API keys live), file tools stay inside the workspace, and every
command's process group is killed when the command returns or times out.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from locogym.sandboxes.base import DEFAULT_OUTPUT_LIMIT, SandboxInfo
from locogym.sandboxes.channel import Channel, ProcessChannel
from locogym.sandboxes.client import server_argv
from locogym.sandboxes.served import ServedSandbox


class LocalSandboxWarning(UserWarning):
    """Commands of a local sandbox run on the host without isolation."""


class LocalSandbox(ServedSandbox):
    """A temp-folder workspace served by a tool server running as a child of this process."""

    backend = "local"

    def __init__(self, output_limit: int = DEFAULT_OUTPUT_LIMIT, python: str | None = None, **_: object) -> None:
        warnings.warn("sandbox='local' runs commands on this machine WITHOUT isolation; use it only for trusted "
                      "tasks (docker or bwrap isolate them).", LocalSandboxWarning, stacklevel=3)
        self.root = Path(tempfile.mkdtemp(prefix="locogym-local-"))
        (self.root / "workspace").mkdir()
        (self.root / "home").mkdir()
        self.python = python or sys.executable
        super().__init__(output_limit=output_limit)
        self.server.start()

    @property
    def workspace_path(self) -> Path:
        """The host folder that holds the workspace."""
        return self.root / "workspace"

    def _launch(self) -> Channel:
        home = str(self.root / "home")
        argv = server_argv(self.python, str(self.workspace_path), reap=False, limits={}, home=home)
        return ProcessChannel(argv, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"},
                              cwd=str(self.workspace_path))

    def info(self) -> SandboxInfo:
        return SandboxInfo(backend="local", isolated=False,
                           detail={"workspace": str(self.workspace_path), "server_restarts": self.server.restarts})

    def _release(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
