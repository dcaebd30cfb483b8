"""The repo index and its questions on real code (a pinned Go package) and on the constructs that made gold answers
wrong on real repositories: bare method names, dispatch, colliding names, private members, macros, doc lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from locogym.core.errors import ConfigError
from locogym.core.types import ScenarioConfig
from locogym.scenarios.repo import questions
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.qa import generate_qa
from locogym.scenarios.repo.sources import load_folder

DATA = Path(__file__).resolve().parents[1] / "data"
UUID = DATA / "go_uuid"


@pytest.fixture(scope="module")
def uuid_index() -> CodeIndex:
    tree = load_folder(UUID)
    return CodeIndex.build({p: t for p, t in tree.files.items() if p.endswith(".go")}, use_cache=False)


def _gotypes_edges() -> set[tuple[tuple[str, int], tuple[str, int]]]:
    data = json.loads((DATA / "go_uuid.gotypes.json").read_text())
    return {((a[0], a[1]), (b[0], b[1])) for a, b in data["edges"]}


def _site(index: CodeIndex, qual: str) -> tuple[str, int]:
    d = index.definitions[qual]
    return d.path, d.line


def test_every_resolved_go_call_is_one_go_types_resolves(uuid_index: CodeIndex) -> None:
    truth = _gotypes_edges()
    ours = {(_site(uuid_index, caller), _site(uuid_index, callee))
            for caller, calls in uuid_index.calls.items() if caller in uuid_index.definitions
            for callee, _, _ in calls}
    assert len(ours) >= 60  # the index resolves most of the package's calls...
    assert ours <= truth, sorted(ours - truth)  # ...and none that go/types does not


def test_go_callers_and_chain_questions_match_go_types(uuid_index: CodeIndex) -> None:
    truth = _gotypes_edges()
    keys = questions.callers_keys(uuid_index)
    assert keys
    for _, qual in keys:
        target = _site(uuid_index, qual)
        expected = {caller for caller, callee in truth if callee == target and caller != target}
        assert {_site(uuid_index, c) for c in uuid_index.callers(qual)} == expected, qual
    for _, start, hops in questions.call_chain_keys(uuid_index, 2):
        site = _site(uuid_index, start)
        for _ in range(hops):
            nxt = {callee for caller, callee in truth if caller == site and callee != site}
            assert len(nxt) == 1, (start, site, nxt)
            site = nxt.pop()
        assert site == _site(uuid_index, questions.chain_from(uuid_index, start, hops)[-1])  # type: ignore[index]


def test_go_method_and_function_of_one_name_stay_apart(uuid_index: CodeIndex) -> None:
    assert uuid_index.definitions["uuid.go::UUID.String"].kind == "method"
    assert "uuid.go::String" not in uuid_index.definitions
    assert "null.go::NullUUID.Scan" in uuid_index.definitions and "sql.go::UUID.Scan" in uuid_index.definitions


@pytest.mark.parametrize("length", [8192])
def test_reset_succeeds_for_twenty_seeds_on_the_real_package(length: int) -> None:
    kinds = set()
    for seed in range(20):
        task = generate_qa(ScenarioConfig(family="repo", seed=seed, length=length, task="qa",
                                          params={"source": str(UUID)}))
        kinds.add(task.meta["question_kind"])
        assert task.oracle_plan[-1].arguments["answer"] == task.gold["answer"]
    assert len(kinds) >= 2


def test_a_named_kind_that_cannot_be_asked_lists_the_kinds_that_can() -> None:
    with pytest.raises(ConfigError) as err:
        generate_qa(ScenarioConfig(family="repo", seed=0, length=8192, task="qa",
                                   params={"source": str(UUID), "question": "setting", "variant": "nonliteral"}))
    # uuid's constants have no comment of their own to describe them by: only the literal variant is askable
    assert "kinds askable here: definition" in str(err.value) and "setting" in str(err.value)


GO_DISPATCH = {
    "a/a.go": "package a\n\ntype Shape interface{ Area() int }\n\ntype Sq struct{}\n\n"
              "func (s Sq) Area() int { return 1 }\n\ntype Ci struct{}\n\nfunc (c Ci) Area() int { return 2 }\n\n"
              "func Total(x Shape, v fmt.Stringer) int { v.String(); return x.Area() }\n\n"
              "func String() string { return \"\" }\n\nfunc (s Sq) Twice() int { return s.Area() + s.Area() }\n",
}


def test_go_interface_calls_and_foreign_receivers_are_left_unresolved() -> None:
    index = CodeIndex.build(GO_DISPATCH, use_cache=False)
    assert index.callees("a/a.go::Total") == []  # neither Sq.Area nor Ci.Area, and not the free String
    assert index.callees("a/a.go::Sq.Twice") == ["a/a.go::Sq.Area"]  # the receiver's own type is known
    assert not index.callers_complete("a/a.go::Sq.Area")  # x.Area() might reach it


RUST = {
    "src/lib.rs": "struct Hash;\nstruct Buf<T>(T);\n"
                  "impl Hash {\n    fn add(&self, x: u8) -> u8 { x }\n    fn run(&self, p: *const u8) {\n"
                  "        unsafe { p.add(4); }\n        self.add(1);\n    }\n}\n"
                  "impl<T> Buf<T> {\n    fn rfind(&self) {}\n}\nimpl Buf<u8> {\n    fn rfind(&self) {}\n}\n"
                  "fn rfind() {}\nmacro_rules! gen { () => { fn made() { helper(); } } }\nfn helper() {}\n"
                  "fn caller() { helper(); }\nfn other() { helper(); }\n",
}


def test_rust_raw_pointers_generic_impls_and_macros() -> None:
    index = CodeIndex.build(RUST, use_cache=False)
    assert index.callees("src/lib.rs::Hash.run") == ["src/lib.rs::Hash.add"]  # self.add, never p.add
    assert [c for c, _, _ in index.callers_of["src/lib.rs::Hash.add"]] == ["src/lib.rs::Hash.run"]
    assert {"src/lib.rs::Buf<T>.rfind", "src/lib.rs::Buf<u8>.rfind", "src/lib.rs::rfind"} <= set(index.definitions)
    assert not index.callers_complete("src/lib.rs::helper")  # a macro-generated function calls it too
    assert ("callers", "src/lib.rs::helper") not in questions.callers_keys(index)


TS = {
    "src/hooks.ts": "export class Runner {\n  run() { this.#runHooks(); }\n  #runHooks() { notify(); }\n"
                    "  step() { this.draw(); }\n  draw() {}\n}\n"
                    "export class Fancy extends Runner {\n  draw() {}\n}\nfunction notify() {}\n",
}


def test_typescript_private_methods_own_their_calls_and_overridden_calls_stay_open() -> None:
    index = CodeIndex.build(TS, use_cache=False)
    assert index.callees("src/hooks.ts::Runner.#runHooks") == ["src/hooks.ts::notify"]
    assert index.callees("src/hooks.ts::Runner.run") == ["src/hooks.ts::Runner.#runHooks"]
    assert index.callees("src/hooks.ts::Runner") == []
    assert index.callees("src/hooks.ts::Runner.step") == []  # Fancy overrides draw


MOBX = DATA / "ts_mobx"


def test_object_literal_methods_are_not_module_names_on_real_typescript() -> None:
    """mobx re-exports ``get`` through two star exports; one of the starred modules has an object literal with a
    ``get`` method (a proxy trap). The TypeScript compiler (pinned) says the export is the function; the index once
    answered the trap's file."""
    tree = load_folder(MOBX)
    index = CodeIndex.build({p: t for p, t in tree.files.items() if p.endswith(".ts")}, use_cache=False)
    pinned = json.loads((DATA / "ts_mobx.tsc.json").read_text())["exports"]
    for path, names in pinned.items():
        module = path.removesuffix(".ts")
        for name, (defined_in, _line) in names.items():
            assert index.definitions[index.resolve_name(module, name)].path == defined_in, (module, name)
    assert index.resolve_name("src/types/observablearray", "get") is None  # a property, not a module name
    assert index.definitions["src/types/observablearray.ts::arrayTraps.get"].kind == "method"
    assert "src/types/observablearray.ts::get" not in index.definitions


JS_THIS = {
    "lib/box.js": "class Box {\n  open() {\n    const self = this;\n"
                  "    const later = () => { this.close(); };\n"
                  "    function plain() { this.close(); }\n"
                  "    return { close() { this.close(); }, later, plain };\n  }\n  close() {}\n}\n"
                  "function close() {}\nfunction caller() { close(); }\n",
}


def test_this_in_a_function_or_object_literal_method_is_not_the_class_instance() -> None:
    index = CodeIndex.build(JS_THIS, use_cache=False)
    assert index.callees("lib/box.js::Box.open.later") == ["lib/box.js::Box.close"]  # arrows keep ``this``
    assert index.callees("lib/box.js::Box.open.plain") == []
    assert index.callees("lib/box.js::Box.open.<object>.close") == []  # ``this`` is the object literal
    assert index.callees("lib/box.js::caller") == ["lib/box.js::close"]  # not the object's ``close``


def test_export_star_as_a_namespace_re_exports_one_name_not_the_module() -> None:
    """zod's ``core/index.ts`` has ``export * as util from "./util.js"``; read as a plain ``export *`` it made every
    name of util.ts a name of the index, so a workspace missing the real re-export hop still looked answerable."""
    index = CodeIndex.build({"core/util.ts": "export function clone() {}\n",
                             "core/index.ts": 'export * as util from "./util.js";\n',
                             "external.ts": 'export { clone, util } from "./core/index.js";\n'}, use_cache=False)
    assert index.resolve_name("external", "clone") is None
    assert index.resolve_name("external", "util") == "core/util"


def test_twin_es_module_and_commonjs_builds_bind_no_names() -> None:
    """zod's npm package ships ``v4/core/compile.js`` and ``compile.cjs`` side by side: one module key, two files.
    The CommonJS file's bindings were overwritten by the ES module's, so its ``generateCheck`` was listed as a
    caller of ``compile.js::generateChecks`` (the TypeScript compiler binds it to the ``.cjs`` file's own
    function). Which twin a name means is not known statically, so neither is asked about."""
    body = "function inner() {}\nfunction outer() { return inner(); }\n"
    files = {"core/compile.js": f"{body}export {{ outer }};\n",
             "core/compile.cjs": f'"use strict";\n{body}exports.outer = outer;\n',
             "core/use.js": 'import { outer } from "./compile.js";\nexport function run() { return outer(); }\n',
             "core/solo.js": body}
    index = CodeIndex.build(files, use_cache=False)
    assert index.callers("core/compile.js::inner") == []
    assert index.callers("core/compile.cjs::inner") == []
    assert index.callees("core/use.js::run") == []
    assert index.resolve_name("core/compile", "outer") is None
    assert index.callers("core/solo.js::inner") == ["core/solo.js::outer"]  # a single file still resolves
    keys = {k for kind in questions.QUESTION_KINDS for k in questions.question_keys(index, kind, 2)}
    assert not any("compile" in str(part) for key in keys for part in key)


def test_typescript_generator_functions_own_their_calls() -> None:
    """tRPC's SSE producer nests ``async function* generatorWithErrorHandling()``; its calls were credited to the
    producer because TypeScript generator functions were not definitions."""
    index = CodeIndex.build({"src/sse.ts": "export function produce() {\n"
                                           "  async function* withErrors() { yield* source(); }\n"
                                           "  const again = function* () { source(); };\n  return withErrors();\n}\n"
                                           "function* source() {}\n"}, use_cache=False)
    assert index.callees("src/sse.ts::produce.withErrors") == ["src/sse.ts::source"]
    assert index.callees("src/sse.ts::produce.again") == ["src/sse.ts::source"]
    assert index.callees("src/sse.ts::produce") == ["src/sse.ts::produce.withErrors"]


PY = {
    "pkg/__init__.py": "",
    "pkg/base.py": "class Base:\n    def run(self):\n        return self.step()\n\n    def step(self):\n"
                   "        return 1\n\n    def go(self):\n        return self.only()\n\n    def only(self):\n"
                   "        return 2\n",
    "pkg/impl.py": "from pkg.base import Base\n\n\nclass Child(Base):\n    def step(self):\n        return 3\n",
    "pkg/shadow.py": "def helper():\n    return 1\n\n\ndef use(helper):\n    return helper()\n",
    "pkg/twin.py": "def f():\n    pass\n",
    "pkg/twin.pyi": "def f() -> None: ...\n",
    "pkg/lazy.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg.twin import f\n\n\ndef f2():\n"
                   "    from pkg.shadow import helper\n    return helper()\n\n\ndef helper():\n    return 0\n",
}


def test_python_overrides_locals_and_stub_twins() -> None:
    index = CodeIndex.build(PY, use_cache=False)
    assert index.callees("pkg.base.Base.run") == []  # Child.step may run instead
    assert index.callees("pkg.base.Base.go") == ["pkg.base.Base.only"]
    assert index.callees("pkg.shadow.use") == []  # the parameter, not the module's helper
    assert index.definitions["pkg.twin.f"].path == "pkg/twin.py"  # the module defines it, not its stub
    assert index.resolve_name("pkg.lazy", "f") is None  # imported for type checkers only
    assert index.resolve_name("pkg.lazy", "helper") == "pkg.lazy.helper"  # the function's import is its own
    assert index.callees("pkg.lazy.f2") == []


def test_docs_quote_the_first_comment_line_and_shared_docs_are_not_descriptions() -> None:
    files = {"a/a.go": "package a\n\n// Parse reads a flag value given\n// on the command line.\nfunc Parse() {}\n\n"
                       "// Shared helper line for the tests.\nfunc One() {}\n\n// Shared helper line for the tests.\n"
                       "func Two() {}\n"}
    index = CodeIndex.build(files, use_cache=False)
    assert index.definitions["a/a.go::Parse"].doc == "Parse reads a flag value given"
    assert questions.describe(index, index.definitions["a/a.go::One"]) is None


def test_excerpts_keep_the_needed_definitions_and_valid_syntax() -> None:
    import ast

    from locogym.scenarios.repo.excerpts import excerpt
    from locogym.scenarios.repo.parsing import extract

    src = ("import x\n\n@pytest.mark.parametrize(\n    'a', [1],\n)\ndef test_a(a):\n    pass\n\n\n"
           "def keep():\n    return 1\n\nif X:\n    def cond():\n        pass\n")
    out = excerpt(src, extract("t.py", src, "python"), [(10, 11)])
    ast.parse(out)  # the multi-line decorator left with its function; the definition inside ``if`` stayed
    assert "def keep():" in out and "test_a" not in out and "parametrize" not in out and "def cond" in out
    assert "5 lines of other definitions are not part of this excerpt" in out


def test_oracle_scores_one_and_noop_zero_on_the_real_package() -> None:
    import gymnasium as gym

    import locogym
    from locogym.agents import make_agent

    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(UUID))
    try:
        for seed in range(4):
            options = {"length": "8k", "task": "qa"}
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
            assert oracle.score.success == 1.0, (seed, oracle.score)
            assert locogym.run_episode(env, make_agent("noop"), seed=seed, options=options).score.success == 0.0
    finally:
        env.close()
