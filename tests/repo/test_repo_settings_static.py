"""Setting questions in Go and JavaScript/TypeScript: every rule of ``static_settings`` that makes a value asked,
every construct that must leave it unasked, pinned real-code cases, and cheap answers that must not score."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.scenarios.repo import questions, static_settings
from locogym.scenarios.repo.answers import is_correct
from locogym.scenarios.repo.cache import file_facts
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.sources import load_folder

REAL = Path(__file__).resolve().parents[1] / "data" / "settings_real"


def _index(files: dict[str, str]) -> CodeIndex:
    return CodeIndex(file_facts(files, use_cache=False))


def _asked(index: CodeIndex) -> dict[tuple[str, str], object]:
    """Every setting key asked, with the gold answer of its literal question."""
    out = {}
    for key in questions.setting_keys(index):
        q = questions.build(index, key, "literal", {})
        assert q is not None, key
        out[(key[1], key[2])] = q.gold
    return out


# ---------------------------------------------------------------------------------------------------- Go
GO_LIB = """package lib

const Suffix = "v2"
"""

GO_APP = """package app

import (
	"example.com/m/lib"
)

const Base = 4
const Retries = Base * 3
const Name = "svc-" + lib.Suffix
const (
	Trunc = (0 - 7) / 2
	Rem = -7 % 2
	Half float64 = 1 / 2
	HalfF = 1.0 / 2
	Big = 1 << 10
	Hex uint16 = 0x10 + Base
)

var Mode = "dev"
var Level int
var Cond = "a"
var Elsewhere = "x"
var Pointed = 3
var Twice = 1
var Computed = "c"
var Shadowed = "s"
var FromVar = Mode
var Plain = 5

const (
	A = iota
	B
)

func init() {
	Mode = "staging"
	Level = Base + 1
	if Base > 2 {
		Cond = "b"
	}
	Mode = "prod"
	Twice = 2
	Computed = compute()
	Shadowed := "local"
	Shadowed = "other"
	_ = Shadowed
}

func init() {
	Twice = 3
}

func compute() string { return "x" }

func mutate() {
	Elsewhere = "y"
	p := &Pointed
	_ = p
}
"""


@pytest.fixture(scope="module")
def go_index() -> CodeIndex:
    return _index({"lib/lib.go": GO_LIB, "app/app.go": GO_APP})


def test_go_constants_from_constants_are_evaluated_exactly(go_index: CodeIndex) -> None:
    asked = _asked(go_index)
    assert asked[("app", "Retries")] == 12
    assert asked[("app", "Name")] == "svc-v2"  # a constant of another project package, by its import path
    assert asked[("app", "Hex")] == 20
    found = static_settings.go_setting(go_index, "app", "Retries")
    assert found is not None and [ln for _, ln in found.places] == [8, 7]  # the name, then the constant it uses


def test_go_literal_arithmetic_follows_go_rules(go_index: CodeIndex) -> None:
    def value(name: str) -> object:
        found = static_settings.go_setting(go_index, "app", name)
        return None if found is None else found.value

    assert value("Trunc") == -3 and value("Rem") == -1  # integer division truncates toward zero
    assert value("Half") == 0.0 and isinstance(value("Half"), float)  # 1/2 of untyped integers is 0, then float64
    assert value("HalfF") == 0.5 and value("Big") == 1024
    assert ("app", "Big") not in _asked(go_index)  # decided in one place: not a question


def test_go_var_overridden_in_init_last_assignment_wins(go_index: CodeIndex) -> None:
    asked = _asked(go_index)
    assert asked[("app", "Mode")] == "prod"
    assert asked[("app", "Level")] == 5  # a zero-valued var set in init from a constant
    q = questions.build(go_index, ("setting", "app", "Mode"), "literal", {})
    assert q is not None and {ln for _, ln, _ in q.spans} == {19, 36, 41}  # declaration and both init lines


@pytest.mark.parametrize("name", ["Cond", "Elsewhere", "Pointed", "Twice", "Computed", "Shadowed", "FromVar",
                                  "A", "B", "Plain"])
def test_go_settings_not_fixed_statically_are_not_asked(go_index: CodeIndex, name: str) -> None:
    """A branch in init, a write in another function, an address taken, two init functions, a call, an init
    local, a var from a var, iota, a single place: no question."""
    assert ("app", name) not in _asked(go_index)
    if name not in {"Plain"}:
        assert static_settings.go_setting(go_index, "app", name) is None


def test_go_constant_of_a_package_imported_under_an_alias() -> None:
    app = 'package app\n\nimport (\n\tv "example.com/m/lib"\n)\n\nconst Name = "svc-" + v.Suffix\n'
    index = _index({"lib/lib.go": GO_LIB, "app/app.go": app})
    found = static_settings.go_setting(index, "app", "Name")
    assert found is not None and found.value == "svc-v2" and found.places == (("app/app.go", 7), ("lib/lib.go", 3))


def test_go_writes_from_another_package_or_build_variants_are_not_asked() -> None:
    lib = "package lib\n\nconst base = 2\n\nvar Level = base + 1\nvar Tagged = base * 2\n"
    user = 'package user\n\nimport "example.com/m/lib"\n\nfunc f() { lib.Level = 9 }\n'
    tagged = "//go:build windows\n\npackage lib\n\nfunc init() { Tagged = 5 }\n"
    named = "package lib\n\nfunc init() { Level = 7 }\n"
    index = _index({"lib/lib.go": lib, "user/user.go": user, "lib/win.go": tagged})
    assert static_settings.go_setting(index, "lib", "Level") is None
    assert static_settings.go_setting(index, "lib", "Tagged") is None
    index = _index({"lib/lib.go": lib, "lib/init_windows.go": named})
    assert static_settings.go_setting(index, "lib", "Level") is None  # a _windows.go file is a build variant
    main = _index({"cmd/main.go": "package main\n\nconst a = 1\nconst B = a + 1\n"})
    assert static_settings.go_setting(main, "cmd", "B") is None  # a main package cannot be imported to check


# ---------------------------------------------------------------------------------------------------- JS/TS
JS_BASE = """export const TIMEOUT = 30;
export const defaults = { retries: 3, host: "localhost", verbose: false };
export const frozen = Object.freeze({ level: "info", depth: 2 });
export const locked = Object.freeze({ mode: "a" });
locked.mode = "b";
export let mutable = 1;
"""

JS_CONFIG = """import { TIMEOUT as T, defaults } from "./base";
export { TIMEOUT as WAIT, frozen } from "./base";
export const LIMIT = T;
const INNER = "x";
export { INNER as OUTER };
export const config = { ...defaults, port: 8080, name: 'svc' } as const;
config.port = 9000;
config.port = 9090;
export const mutated = { a: 1 };
export const passed = { b: 2 };
export const cond = { c: 3 };
if (process.env.X) { cond.c = 4; }
register(passed);
export function f() { mutated.a = 2; }
export const computedKey = { d: 5, [k]: 1 };
export const afterUnknown = { ...unknownThing, e: 6 };
export const viaCall = make();
export const fromMutable = { ...passed, g: 1 };
afterUnknown.e = 7;
"""

JS_INDEX = """export * from "./config";
import { config as cfg } from "./config";
"""


@pytest.fixture(scope="module")
def js_index() -> CodeIndex:
    return _index({"src/base.ts": JS_BASE, "src/config.ts": JS_CONFIG, "src/index.ts": JS_INDEX})


def test_js_constants_through_aliases_imports_and_reexports(js_index: CodeIndex) -> None:
    asked = _asked(js_index)
    assert asked[("src/config", "LIMIT")] == 30  # export const B = A, A imported under another name
    assert asked[("src/config", "WAIT")] == 30  # export {A as B} from
    assert asked[("src/config", "OUTER")] == "x"  # local export {A as B}
    assert asked[("src/index", "LIMIT")] == 30  # export * from
    assert ("src/base", "TIMEOUT") not in asked  # one place
    assert static_settings.js_setting(js_index, "src/base", "mutable") is None  # let: may change


def test_js_config_objects_overrides_and_spreads(js_index: CodeIndex) -> None:
    asked = _asked(js_index)
    assert asked[("src/config", "config.port")] == 9090  # the last unconditional module-level override
    assert asked[("src/config", "config.retries")] == 3  # merged from the spread object
    assert asked[("src/config", "config.verbose")] is False
    assert asked[("src/config", "frozen.level")] == "info"  # Object.freeze, re-exported
    assert asked[("src/config", "afterUnknown.e")] == 7  # a key written after an unknown spread is known
    assert ("src/config", "config.name") not in asked  # decided in one place


@pytest.mark.parametrize("name", ["mutated.a", "passed.b", "cond.c", "computedKey.d", "viaCall", "locked.mode",
                                  "fromMutable.b", "config.missing"])
def test_js_settings_not_fixed_statically_are_not_asked(js_index: CodeIndex, name: str) -> None:
    """Written in a function, handed to a call, overridden under a condition, next to a computed key, computed,
    a frozen object overridden (it throws), spread from a mutable object, an absent key."""
    module = "src/base" if name.startswith("locked") else "src/config"
    assert static_settings.js_setting(js_index, module, name) is None


def test_js_spread_of_an_object_with_unknown_keys_hides_the_keys_before_it() -> None:
    files = {"src/a.ts": 'import { mystery } from "pkg";\nconst inner = { ...mystery, b: 2 };\n'
                         "export const outer = { a: 1, ...inner, c: 3 };\n"}
    index = _index(files)
    assert static_settings.js_setting(index, "src/a", "outer.a") is None  # ``mystery`` may hold an ``a``
    found = static_settings.js_setting(index, "src/a", "outer.b")
    assert found is not None and found.value == 2
    assert [ln for _, ln in found.places] == [3, 2]  # outer (with its spread), then inner
    assert static_settings.js_setting(index, "src/a", "outer.c").value == 3  # type: ignore[union-attr]


def test_js_object_imported_under_an_alias_and_written_there_is_not_asked() -> None:
    files = {"src/a.ts": "export const opts = { x: 1 };\nopts.x = 2;\n",
             "src/b.ts": 'import { opts as o } from "./a";\nexport function g() { o.x = 3; }\n'}
    assert static_settings.js_setting(_index(files), "src/a", "opts.x") is None
    files["src/b.ts"] = 'import { opts as o } from "./a";\nexport function g() { return o.x; }\n'
    found = static_settings.js_setting(_index(files), "src/a", "opts.x")
    assert found is not None and found.value == 2


# ---------------------------------------------------------------------------------------------------- real code
def test_real_go_constant_chains_match_the_running_packages() -> None:
    """go-humanize's SI sizes and cobra's switches (excerpts); the values are what a program importing the
    packages printed (``bench/repo_gold.py``)."""
    humanize = load_folder(REAL / "go_humanize")
    asked = _asked(CodeIndex.build(humanize.files, use_cache=False))
    assert asked == {("", "KByte"): 1000, ("", "MByte"): 10 ** 6, ("", "GByte"): 10 ** 9, ("", "TByte"): 10 ** 12,
                     ("", "PByte"): 10 ** 15, ("", "EByte"): 10 ** 18}
    cobra = load_folder(REAL / "go_cobra")
    asked = _asked(CodeIndex.build(cobra.files, use_cache=False))
    assert asked == {("", "EnablePrefixMatching"): False, ("", "EnableCommandSorting"): True,
                     ("", "EnableCaseInsensitive"): False}


def test_real_typescript_object_keys_through_a_star_reexport() -> None:
    """zod's ``ZodIssueCode`` (excerpt): asked where ``export *`` re-exports it, not in its own module (one
    place); node loading the transpiled package gave the same values."""
    zod = load_folder(REAL / "ts_zod")
    index = CodeIndex.build(zod.files, use_cache=False)
    asked = _asked(index)
    assert len(asked) == 11
    assert all(module == "src/v4/classic/external" and value == name.split(".")[1]
               for (module, name), value in asked.items())


def test_real_go_uuid_time_constants() -> None:
    uuid = load_folder(REAL.parent / "go_uuid")
    index = CodeIndex.build({p: t for p, t in uuid.files.items() if p.endswith(".go")}, use_cache=False)
    assert _asked(index) == {("", "epoch"): 141427, ("", "g1582"): 12219292800,
                             ("", "g1582ns100"): 122192928000000000}


# ---------------------------------------------------------------------------------------------------- grading
def test_cheap_setting_answers_do_not_score(go_index: CodeIndex, js_index: CodeIndex) -> None:
    mode = questions.build(go_index, ("setting", "app", "Mode"), "literal", {})
    port = questions.build(js_index, ("setting", "src/config", "config.port"), "literal", {})
    assert mode is not None and port is not None
    assert "true or false" in mode.text and "`init` functions run" in mode.text
    for right in ('"prod"', "`prod`", "prod", "'prod'"):
        assert is_correct("value", right, mode.gold), right
    for wrong in ('"dev"', '"staging"', "prod, dev", '["prod", "dev"]', ""):  # the declaration, the first init
        assert not is_correct("value", wrong, mode.gold), wrong  # line, every candidate, nothing
    assert is_correct("value", "9090", port.gold) and is_correct("value", 9090.0, port.gold)
    assert not is_correct("value", "8080", port.gold) and not is_correct("value", "9000", port.gold)


def test_commonjs_modules_take_no_part() -> None:
    """``module.exports.X = ...`` may replace an export after the fact: CommonJS files are not read for settings."""
    files = {"lib/a.js": "const X = 1;\nmodule.exports = { X };\nmodule.exports.X = 5;\n",
             "lib/b.js": 'const { X } = require("./a");\nmodule.exports = { X };\n'}
    index = _index(files)
    assert static_settings.js_setting(index, "lib/b", "X") is None
    assert not _asked(index)


def test_nonliteral_setting_question_quotes_the_comment_above_the_declaration() -> None:
    files = {"cfg/cfg.go": "package cfg\n\nconst base = 15\n\n"
                           "// How long a client waits, in seconds, before it gives up.\n"
                           "var Wait = base * 2\n\nfunc init() {\n\tWait = 45\n}\n"}
    index = _index(files)
    q = questions.build(index, ("setting", "cfg", "Wait"), "nonliteral", files)
    assert q is not None and q.gold == 45
    assert "“How long a client waits, in seconds, before it gives up.”" in q.text and "Wait" not in q.text
    files["cfg/cfg.go"] = files["cfg/cfg.go"].replace("// How long", "// Wait is how long")
    assert questions.build(_index(files), ("setting", "cfg", "Wait"), "nonliteral", files) is None


@pytest.mark.slow
def test_go_setting_episode_oracle_one_noop_zero() -> None:
    """Through the env on the pinned uuid package: the oracle reads the places and scores 1, noop scores 0, and
    the same seed draws the same task."""
    import gymnasium as gym

    import locogym
    from locogym.agents import make_agent

    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=str(REAL.parent / "go_uuid"))
    try:
        options = {"length": "8k", "task": "qa", "question": "setting", "variant": "literal"}
        oracle = locogym.run_episode(env, make_agent("oracle"), seed=1, options=options)
        assert oracle.task.gold["answer"] in {141427, 12219292800, 122192928000000000}
        assert oracle.score.success == 1.0
        noop = locogym.run_episode(env, make_agent("noop"), seed=1, options=options)
        assert noop.score.success == 0.0 and noop.task.task_id == oracle.task.task_id
    finally:
        env.close()


def test_js_object_with_methods_may_change_itself_and_is_not_asked() -> None:
    """``this.port = 2`` in a method of the object writes no name the scan could see: an unfrozen object with
    methods (or ``function`` values) is not resolved; a frozen one cannot change."""
    methods = 'export const config = { port: 1, reset() { this.port = 2; } };\nconfig.reset();\n'
    files = {"src/a.ts": methods, "src/b.ts": 'export { config as settings } from "./a";\n'}
    assert static_settings.js_setting(_index(files), "src/b", "settings.port") is None
    files["src/a.ts"] = 'export const config = { port: 1, reset: function () { this.port = 2; } };\n'
    assert static_settings.js_setting(_index(files), "src/b", "settings.port") is None
    files["src/a.ts"] = 'export const config = Object.freeze({ port: 1, reset() { return 0; } });\n'
    found = static_settings.js_setting(_index(files), "src/b", "settings.port")
    assert found is not None and found.value == 1


def test_js_object_holding_a_function_by_name_is_not_asked() -> None:
    files = {"src/a.ts": "function reset() { this.port = 2; }\nexport const config = { port: 1, reset };\n"
                         "config.reset();\n",
             "src/b.ts": 'export { config as settings } from "./a";\n'}
    assert static_settings.js_setting(_index(files), "src/b", "settings.port") is None


# ---------------------------------------------------------------------------------------------------- env defaults
JS_ENV = """export const PORT = process.env.PORT ?? 3000;
export const HOST = process.env["HOST"] || "localhost";
export const DEBUG = process.env.DEBUG ?? false;
const LEVEL = process.env.LOG_LEVEL || 'info';
export { LEVEL as LOG_LEVEL };
export const server = { port: process.env.SERVER_PORT ?? 8080, name: "svc" } as const;
export const PARSED = Number(process.env.N ?? 5);
export const CALLED = process.env.X?.trim() ?? "a";
export const TERNARY = process.env.Y ? process.env.Y : "b";
export const BARE = process.env.Z;
export const FROM_FN = process.env.W ?? make();
export const OTHER = env.V ?? 1;
"""


def _env_index(extra: dict[str, str] | None = None) -> CodeIndex:
    return _index({"src/env.ts": JS_ENV, "src/main.ts": 'export { PORT as APP_PORT } from "./env";\n',
                   **(extra or {})})


def test_js_environment_defaults_are_asked_with_an_empty_environment() -> None:
    index = _env_index()
    asked = _asked(index)
    assert asked[("src/env", "PORT")] == 3000  # ``??``
    assert asked[("src/env", "HOST")] == "localhost"  # ``||`` and a subscript
    assert asked[("src/env", "DEBUG")] is False
    assert asked[("src/env", "LOG_LEVEL")] == "info"  # a local alias
    assert asked[("src/env", "server.port")] == 8080  # a key of a config object
    assert asked[("src/main", "APP_PORT")] == 3000  # a re-export under another name
    assert ("src/env", "server.name") not in asked  # a plain literal in one place
    q = questions.build(index, ("setting", "src/env", "PORT"), "literal", {})
    assert q is not None and q.text.count("Assume no environment variable is set.") == 1
    assert "3000" not in q.text and "process.env" not in q.text  # nothing in the question gives the value away
    assert q.spans == [("src/env.ts", 1, 1)]


@pytest.mark.parametrize("name", ["PARSED", "CALLED", "TERNARY", "BARE", "FROM_FN", "OTHER"])
def test_js_other_reads_of_the_environment_are_not_asked(name: str) -> None:
    """A parse, a call on the variable, a ternary, no default, a computed default, another object's ``env``."""
    assert static_settings.js_setting(_env_index(), "src/env", name) is None


@pytest.mark.parametrize("other", ['process.env.PORT = "1";\n', "Object.assign(process.env, loaded);\n",
                                   "export function f() { process.env = {}; }\n"])
def test_js_environment_defaults_are_not_asked_when_code_fills_the_environment(other: str) -> None:
    index = _env_index({"src/setup.ts": other})
    assert static_settings.js_setting(index, "src/env", "PORT") is None
    assert ("src/env", "PORT") not in _asked(index)


def test_js_environment_default_with_a_local_process_or_in_commonjs_is_not_asked() -> None:
    shadowed = 'import process from "./fake";\nexport const PORT = process.env.PORT ?? 3000;\n'
    assert static_settings.js_setting(_index({"src/a.ts": shadowed}), "src/a", "PORT") is None
    for local in ("let process = { env: {} };\n", "var process = { env: {} };\n", "function process() {}\n"):
        source = local + "export const PORT = process.env.PORT ?? 3000;\n"
        assert static_settings.js_setting(_index({"src/a.ts": source}), "src/a", "PORT") is None, local
    common = 'const PORT = process.env.PORT ?? 3000;\nmodule.exports = { PORT };\nexports.PORT = PORT;\n'
    assert static_settings.js_setting(_index({"src/a.js": common}), "src/a", "PORT") is None


def test_cheap_environment_default_answers_do_not_score() -> None:
    index = _env_index()
    port = questions.build(index, ("setting", "src/env", "PORT"), "literal", {})
    host = questions.build(index, ("setting", "src/env", "HOST"), "literal", {})
    assert port is not None and host is not None
    assert is_correct("value", "3000", port.gold) and is_correct("value", '"localhost"', host.gold)
    for wrong in ("PORT", '"PORT"', "process.env.PORT", "undefined", "null", '""', "3000 or PORT", ""):
        assert not is_correct("value", wrong, port.gold), wrong
    for wrong in ("HOST", "undefined", '""', "process.env.HOST"):
        assert not is_correct("value", wrong, host.gold), wrong
