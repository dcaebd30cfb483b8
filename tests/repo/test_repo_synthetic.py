"""The synthetic project generator: passing test suites, size control, determinism, disjoint vocabularies."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.scenarios.repo import synthetic
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.synthetic import generate_project

ROOT = Path(__file__).resolve().parents[2]


def _write(files: dict[str, str], folder: Path) -> None:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "length"), [(0, 8192), (7, 24_000)])
def test_generated_project_tests_pass_and_reach_most_functions(seed: int, length: int, tmp_path: Path) -> None:
    tree = generate_project(seed, length)
    _write(tree.files, tmp_path)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", run.stdout)
    # every function or method is called by some test, directly (by name) or through the functions tests call
    index = CodeIndex.build(tree.files, use_cache=False)
    test_text = "".join(t for p, t in tree.files.items() if p.startswith("tests/"))
    functions = {q for q, d in index.definitions.items()
                 if not d.path.startswith("tests/") and d.kind in {"function", "method"} and d.name != "__init__"}
    reached = {q for q in functions if re.search(rf"\b{index.definitions[q].name}\(", test_text)}
    frontier = list(reached)
    while frontier:
        for callee in index.callees(frontier.pop()):
            if callee not in reached:
                reached.add(callee)
                frontier.append(callee)
    assert len(reached & functions) / len(functions) >= 0.95


@pytest.mark.slow
def test_a_changed_constant_breaks_the_suite(tmp_path: Path) -> None:
    tree = generate_project(3, 8192)
    target = next(p for p in sorted(tree.files) if re.search(r"return value \* \d+ \+ \d+", tree.files[p]))
    tree.files[target] = re.sub(r"return value \* (\d+) \+", lambda m: f"return value * {int(m.group(1)) + 1} +",
                                tree.files[target], count=1)
    _write(tree.files, tmp_path)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "failed" in run.stdout


@pytest.mark.parametrize("length", [8192, 32_768, 131_072])
def test_size_is_within_five_percent(length: int) -> None:
    tree = generate_project(11, length)
    total = sum(tokens.count(t) for t in tree.files.values())
    assert abs(total - length) <= 0.05 * length, total


@pytest.mark.slow
def test_size_is_within_five_percent_at_one_million() -> None:
    tree = generate_project(2, 1024 * 1024)
    total = sum(tokens.count(t) for t in tree.files.values())
    assert abs(total - 1024 * 1024) <= 0.05 * 1024 * 1024


@pytest.mark.slow
def test_same_seed_same_bytes_across_processes_and_seeds_differ() -> None:
    code = ("from locogym.scenarios.repo.synthetic import generate_project; "
            "print(generate_project(5, 16384).commit)")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"})
    assert other.stdout.strip() == generate_project(5, 16384).commit
    commits = {generate_project(seed, 8192).commit for seed in range(6)}
    assert len(commits) == 6
    names = {generate_project(seed, 8192).meta["package"]
             + str(sorted(generate_project(seed, 8192).meta["functions"])[:3])
             for seed in range(6)}
    assert len(names) == 6


def test_index_agrees_with_the_generator_model() -> None:
    tree = generate_project(4, 32_768)
    index = CodeIndex.build(tree.files, use_cache=False)
    for qual, fact in tree.meta["functions"].items():
        assert index.callees(qual) == list(dict.fromkeys(fact["callees"])), qual


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_question_vocabulary_shares_no_word_with_identifiers() -> None:
    identifiers = synthetic.identifier_words()
    question = set()
    for phrase in [*synthetic.QUESTION_VERBS.values(), *synthetic.QUESTION_NOUNS.values(),
                   *synthetic.QUESTION_PROPS.values()]:
        question |= _words(phrase.replace("{n}", ""))
    docs = set()
    for phrase in [*synthetic.VERBS.values(), *synthetic.NOUNS.values(),
                   *(p for _, p in synthetic.SETTING_PROPS.values())]:
        docs |= _words(phrase.replace("{n}", ""))
    assert not question & identifiers
    assert not docs & identifiers
    assert set(synthetic.QUESTION_VERBS) == set(synthetic.VERBS)
    assert set(synthetic.QUESTION_NOUNS) == set(synthetic.NOUNS)
    assert synthetic.describe_function("compute_invoice_customer") == "calculates the statement of charges of the buyer"
    assert synthetic.describe_function("not_a_generated_name") is None


def test_out_of_range_sizes_are_refused() -> None:
    with pytest.raises(ConfigError, match="target_tokens"):
        generate_project(0, 100)


def test_more_branch_functions_on_request_and_the_default_mix_unchanged(tmp_path: Path) -> None:
    """The review family asks for more functions with guards; a project asked for at the default share is the same
    project as one asked for without it, and its suite still passes with more branches."""
    def branch_share(tree) -> float:  # noqa: ANN001 - a SourceTree
        kinds = [f["kind"] for f in tree.meta["functions"].values()]
        return kinds.count("branch") / len(kinds)

    default = generate_project(3, 8_192)
    assert generate_project(3, 8_192, branch_share=synthetic.BRANCH_SHARE).files == default.files
    more = generate_project(3, 8_192, branch_share=0.35)
    assert branch_share(more) > 1.8 * branch_share(default)
    _write(more.files, tmp_path)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    with pytest.raises(ConfigError, match="branch_share"):
        generate_project(3, 8_192, branch_share=0.9)


def test_the_review_family_draws_its_synthetic_projects_with_more_guards() -> None:
    from locogym.envs.repo_patch import RepoPatchEnv
    from locogym.envs.repo_review import RepoReviewEnv
    from locogym.scenarios.defects.project import load_project

    assert RepoPatchEnv.synthetic_branch_share is None  # the patch family keeps the default mix
    share = RepoReviewEnv.synthetic_branch_share
    assert share is not None and share > synthetic.BRANCH_SHARE
    assert load_project("synthetic", None, 3, 8_192, share).files == generate_project(3, 8_192, share).files
