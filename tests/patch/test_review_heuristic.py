"""The model-free review policy: it tests touched functions against their old versions with `run`."""

from __future__ import annotations

from locogym.agents.heuristic import HeuristicAgent
from locogym.agents.heuristic.review import SCRATCH, Policy
from locogym.envs.repo_review import RepoReviewEnv

DIFF = ("Review this change.\n\n```diff\ndiff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n"
        "@@ -1,2 +1,2 @@\n def f(x: int) -> int:\n-    return x + 1\n+    return x + 2\n```")


def _tools(*names: str) -> list[dict[str, str]]:
    return [{"name": n} for n in names]


def test_review_policy_runs_its_check_and_reports_what_it_prints() -> None:
    policy = Policy()
    policy.reset({"family": "repo_review", "tools": _tools("write_file", "run", "read_file", "submit")})
    first = policy.act(DIFF, {})
    assert first.name == "write_file" and first.arguments["path"] == f"{SCRATCH}/change.diff"
    assert first.arguments["content"].startswith("diff --git a/pkg/a.py b/pkg/a.py\n")
    second = policy.act("Wrote it.", {})
    assert second.name == "write_file" and "def main()" in second.arguments["content"]
    third = policy.act("Wrote it.", {})
    assert third.name == "run" and f"{SCRATCH}/check.py" in third.arguments["cmd"]
    report = 'SUSPECT ["pkg/a.py", 2, "f", ["    return x + 1"], ["    return x + 2"]]\n'
    last = policy.act(f"exit code 0\n--- stdout ---\n{report}{report}", {})
    assert last.name == "submit"
    assert [(f["path"], f["line"]) for f in last.arguments["answer"]] == [("pkg/a.py", 2)]


def _described(number: str) -> str:
    return DIFF.replace("Review this change.", f"Review this change.\n\n- `f` (`pkg/a.py`): the number in "
                                               f"`x + 1`, `1` becomes `{number}`.")


def test_review_policy_spares_a_change_made_as_described_and_reports_one_made_otherwise() -> None:
    found = '["pkg/a.py", 2, "f", ["    return x + 1"], ["    return x + 2"]]'
    report = f"exit code 0\n--- stdout ---\nBLOCK {found}\nSUSPECT {found}\n"
    for number, expected in (("2", []), ("3", [("pkg/a.py", 2)])):
        policy = Policy()
        policy.reset({"family": "repo_review", "tools": _tools("write_file", "run", "read_file", "submit")})
        policy.act(_described(number), {})
        policy.act("Wrote it.", {})
        policy.act("Wrote it.", {})
        last = policy.act(report, {})
        assert [(f["path"], f["line"]) for f in last.arguments["answer"]] == expected, number


def test_review_policy_without_a_shell_submits_no_findings() -> None:
    agent = HeuristicAgent()
    agent.reset({"family": "repo_review", "heuristic_policy": RepoReviewEnv.heuristic_policy,
                 "tools": _tools("read_file", "submit")})
    action = agent.act(DIFF, {})
    assert (action.name, action.arguments) == ("submit", {"answer": []})


def test_check_script_finds_the_changed_block_and_spares_the_refactor(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import subprocess
    import sys

    from locogym.agents.heuristic import review

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    new = ("def f(x: int) -> int:\n    return 2 + x\n\n\n"
           "def g(x: int) -> int:\n    if x > 3:\n        return x\n    return 0\n")
    (tmp_path / "pkg" / "a.py").write_text(new)
    diff = ("diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1,8 +1,8 @@\n"
            " def f(x: int) -> int:\n-    return x + 2\n+    return 2 + x\n \n \n def g(x: int) -> int:\n"
            "-    if x >= 3:\n+    if x > 3:\n         return x\n     return 0\n")
    (tmp_path / "change.diff").write_text(diff)
    (tmp_path / "check.py").write_text(review._SCRIPT)
    out = subprocess.run([sys.executable, "check.py", "change.diff"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert [ln for ln in out.splitlines() if ln.startswith("SUSPECT")] == [
        'SUSPECT ["pkg/a.py", 6, "g", ["    if x >= 3:"], ["    if x > 3:"]]']
    assert len([ln for ln in out.splitlines() if ln.startswith("BLOCK")]) == 2
