"""The code index: Python binding rules, the other languages, the per-commit cache and the repo map."""

from __future__ import annotations

import pytest

from locogym.core import tokens
from locogym.scenarios.repo import cache
from locogym.scenarios.repo.index import CodeIndex, module_name
from locogym.scenarios.repo.repomap import pagerank, render_map

PY = {
    "src/shop/__init__.py": "from .billing import charge as pay\nfrom .billing import *\n",
    "src/shop/billing/__init__.py": "from .core import charge, Ledger\nfrom . import util\n",
    "src/shop/billing/core.py": (
        '"""Core."""\n'
        "from .util import helper as h\n"
        "import shop.billing.util as u\n\n"
        "def charge(amount):\n"
        '    """Charge a card."""\n'
        "    return h(amount) + u.other(amount)\n\n"
        "class Base:\n"
        "    def audit(self):\n"
        "        return 1\n\n"
        "class Ledger(Base):\n"
        "    def post(self, x):\n"
        "        def inner():\n"
        "            return x\n"
        "        return self.audit() + inner() + charge(x)\n"
    ),
    "src/shop/billing/util.py": "def helper(x):\n    return x\n\ndef other(x):\n    return helper(x) * 2\n",
    "src/shop/settings/__init__.py": "from .local import *\n",
    "src/shop/settings/defaults.py": "# seconds before giving up\nTIMEOUT = 10\nREGION = 'eu'\nDEBUG = False\n",
    "src/shop/settings/local.py": "from .defaults import *\nTIMEOUT = 30\nALIAS = REGION\nREGION = 'us'\n",
    "tests/test_core.py": "from shop import pay\n\ndef test_pay():\n    assert pay(1) == 3\n",
}


@pytest.fixture(scope="module")
def py_index() -> CodeIndex:
    return CodeIndex.build(PY, use_cache=False)


def test_module_names_strip_src_and_init() -> None:
    assert module_name("src/shop/billing/__init__.py") == "shop.billing"
    assert module_name("tests/test_core.py") == "tests.test_core"
    assert module_name("pkg/mod.py") == "pkg.mod"


def test_definitions_have_spans_docs_and_kinds(py_index: CodeIndex) -> None:
    charge = py_index.definitions["shop.billing.core.charge"]
    assert (charge.path, charge.line, charge.end_line, charge.kind) == ("src/shop/billing/core.py", 5, 7, "function")
    assert charge.doc == "Charge a card." and charge.params == ("amount",)
    assert py_index.definitions["shop.billing.core.Ledger.post"].kind == "method"
    assert py_index.definitions["shop.billing.core.Ledger.post.inner"].parent == "shop.billing.core.Ledger.post"


def test_names_resolve_through_aliases_and_re_exports(py_index: CodeIndex) -> None:
    assert py_index.resolve_name("shop", "pay") == "shop.billing.core.charge"
    assert py_index.resolve_name("shop", "Ledger") == "shop.billing.core.Ledger"  # through the star import
    assert py_index.resolve_chain("shop", "pay") == [("shop", "pay"), ("shop.billing", "charge"),
                                                     ("shop.billing.core", "charge")]
    assert py_index.resolve_name("shop", "missing") is None


def test_calls_resolve_modules_self_bases_nested_and_tests(py_index: CodeIndex) -> None:
    assert py_index.callees("shop.billing.core.charge") == ["shop.billing.util.helper", "shop.billing.util.other"]
    assert py_index.callees("shop.billing.core.Ledger.post") == [
        "shop.billing.core.Base.audit", "shop.billing.core.Ledger.post.inner", "shop.billing.core.charge"]
    assert py_index.callers("shop.billing.core.charge") == ["shop.billing.core.Ledger.post",
                                                            "tests.test_core.test_pay"]
    assert py_index.callers_complete("shop.billing.core.charge")


def test_settings_follow_star_layers_overrides_and_aliases(py_index: CodeIndex) -> None:
    assert py_index.setting_value("shop.settings", "TIMEOUT")[:2] == (True, 30)
    assert py_index.setting_value("shop.settings", "DEBUG")[:2] == (True, False)
    assert py_index.setting_value("shop.settings", "REGION")[:2] == (True, "us")
    assert py_index.setting_value("shop.settings", "ALIAS")[:2] == (True, "eu")  # bound before the override
    assert py_index.setting_value("shop.settings", "NOPE")[0] is False
    assert py_index.setting_names("shop.settings") == ["ALIAS", "DEBUG", "REGION", "TIMEOUT"]


def test_references_mark_calls_with_their_scope_and_target(py_index: CodeIndex) -> None:
    refs = py_index.references("charge")
    calls = [(r.path, r.line, r.scope, r.target) for r in refs if r.kind == "call"]
    assert ("src/shop/billing/core.py", 17, "shop.billing.core.Ledger.post", "shop.billing.core.charge") in calls
    assert any(r.kind == "import" and r.path == "src/shop/billing/__init__.py" for r in refs)


MULTI = {
    "web/util.ts": "export function slug(s: string): string { return s.trim(); }\n"
                   "export class Box { open(): number { return this.size(); } size(): number { return 1; } }\n",
    "web/index.ts": "export { slug as makeSlug } from './util';\n",
    "web/app.js": "import { makeSlug } from './index';\n/** Build a page. */\n"
                  "function page(t) { return makeSlug(t); }\n",
    "go/main.go": "package main\n\n// Add two numbers.\nfunc add(a int, b int) int { return a + b }\n\n"
                  "type Calc struct{}\n\nfunc (c Calc) Twice(x int) int { return add(x, x) }\n",
    "java/App.java": "class App {\n  int run() { return helper(2); }\n  int helper(int x) { return x; }\n}\n",
    "rust/lib.rs": "struct S;\nimpl S {\n    fn go(&self) -> i32 { double(2) }\n}\n"
                   "fn double(x: i32) -> i32 { x * 2 }\n",
}


def test_javascript_typescript_go_java_rust_definitions_and_calls() -> None:
    index = CodeIndex.build(MULTI, use_cache=False)
    assert index.definitions["web/util.ts::Box.open"].kind == "method"
    assert index.callees("web/app.js::page") == ["web/util.ts::slug"]  # through the TS re-export and alias
    assert index.definitions["web/app.js::page"].doc == "Build a page."
    assert index.callees("web/util.ts::Box.open") == ["web/util.ts::Box.size"]
    assert index.callees("go/main.go::Calc.Twice") == ["go/main.go::add"]
    assert index.definitions["go/main.go::add"].doc == "Add two numbers."
    assert index.callees("java/App.java::App.run") == ["java/App.java::App.helper"]
    assert index.callees("rust/lib.rs::S.go") == ["rust/lib.rs::double"]
    assert {index.definitions[q].kind for q in index.by_name["Calc"]} == {"type"}
    for spelled in ("web/index.ts::makeSlug", "web/index.ts.makeSlug", "web/index.makeSlug"):
        assert [d.qualname for d in index.find_definitions(spelled)] == ["web/util.ts::slug"], spelled


def test_syntax_errors_are_tolerated() -> None:
    index = CodeIndex.build({"bad.py": "def ok():\n    return 1\n\ndef broken(:\n"}, use_cache=False)
    assert "bad.ok" in index.definitions
    assert index.facts["bad.py"].error


def test_second_build_of_a_commit_parses_nothing(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    first = CodeIndex.build(PY, name="shop", commit="abc123")
    assert list((tmp_path / "index").glob("*.pkl"))
    cache.clear_memory()

    def no_parse(*_a: object, **_k: object) -> None:
        raise AssertionError("parsed although the commit is cached on disk")

    monkeypatch.setattr(cache, "extract", no_parse)
    second = CodeIndex.build(PY, name="shop", commit="abc123")
    assert second.stats() == first.stats()
    assert second.callers("shop.billing.core.charge") == first.callers("shop.billing.core.charge")


def test_a_corrupt_cache_entry_is_ignored(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    CodeIndex.build(PY, name="shop", commit="def456")
    for entry in (tmp_path / "index").glob("*.pkl"):
        entry.write_bytes(b"not a pickle")
    cache.clear_memory()
    assert CodeIndex.build(PY, name="shop", commit="def456").stats()["definitions"] > 0


def test_repo_map_fits_its_budget_and_ranks_focus_first(py_index: CodeIndex) -> None:
    for budget in (60, 150, 400):
        text = render_map(py_index, budget)
        assert tokens.count(text) <= budget
    assert render_map(py_index, 4000).count("\n") > render_map(py_index, 80).count("\n")
    ranks = pagerank(py_index)
    assert ranks["shop.billing.util.helper"] > ranks["tests.test_core.test_pay"]  # called twice vs never
    focused = pagerank(py_index, focus=["src/shop/settings/local.py", "test_pay"])
    assert focused["tests.test_core.test_pay"] > ranks["tests.test_core.test_pay"]
    assert "src/shop/billing/util.py" in render_map(py_index, 120)
