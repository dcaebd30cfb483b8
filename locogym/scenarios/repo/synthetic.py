"""A seeded generator of realistic, contamination-free Python projects of any size, with a passing test suite.

A project is a package of *domains* (sub-packages) made of modules of small integer and string functions and
classes that call each other across modules (imports, re-exports through package ``__init__`` files, aliases),
a layered settings package (``defaults`` -> ``production`` -> ``local``, Django style, with overrides and
aliases), and a pytest suite under ``tests/`` that checks every public function on inputs covering each branch.
The generator knows what each function computes, so the expected values in the tests are exact; the suite passes
on the generated code and fails when an operator, constant or call is changed — which is what the defect
injection of the patch and review environments relies on.

Names are built from a code vocabulary (``compute_invoice_total``); docstrings and setting comments paraphrase
them with a *disjoint* vocabulary ("Work out the bill for the client."), so questions can describe a symbol
without naming any identifier of the code (the non-literal variants).

The size is controlled in tokens: modules are added until the measured total is within 2% of
``target_tokens``. No two seeds give the same project; the same seed always gives the same bytes.

A project is a *core* plus a *fill* (see :mod:`locogym.core.ladder`). With ``core_tokens`` set, the core is the
project of ``core_tokens`` drawn from ``seed`` — byte for byte the same at every ``target_tokens`` — and the fill
grows it to ``target_tokens`` with distractor domains drawn from their own stream (``fill``). Fill code calls only
fill code, names are unique across the whole project, and the settings package, the core domains' re-exports and
every core file stay as they are: a question or a defect about the core has the same answer, callers and tests at
every length. ``meta["core_modules"]`` names the core's modules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.ladder import too_short
from locogym.scenarios.repo.tree import SourceTree

# code word -> paraphrase (the paraphrases share no word with any code word)
VERBS: dict[str, str] = {
    "compute": "work out", "validate": "check over", "normalize": "tidy up", "merge": "blend together",
    "resolve": "settle", "estimate": "guess roughly", "apply": "put into effect", "build": "assemble",
    "render": "draw up", "score": "grade", "adjust": "tweak", "reconcile": "square up", "allocate": "hand out",
    "forecast": "predict", "summarize": "boil down", "rank": "arrange by position", "convert": "translate",
    "encode": "pack", "decode": "unpack", "refresh": "bring up to date", "schedule": "pencil in",
    "dispatch": "send off", "collect": "gather", "archive": "put away", "index": "catalogue",
    "measure": "gauge", "project": "extrapolate", "filter": "sift", "expand": "widen", "trim": "shorten",
    "prepare": "get ready", "sync": "line up", "audit": "inspect", "tally": "count up", "weigh": "judge",
}
NOUNS: dict[str, str] = {
    "invoice": "bill", "customer": "client", "shipment": "consignment", "order": "purchase",
    "ledger": "register of sums", "carrier": "haulier", "warehouse": "depot", "payment": "remittance",
    "refund": "reimbursement", "discount": "markdown", "tax": "levy", "coupon": "voucher", "product": "article",
    "catalog": "range", "price": "cost figure", "quota": "allowance", "route": "path taken", "parcel": "package box",
    "region": "territory", "report": "write-up", "session": "visit", "token": "pass", "batch": "lot",
    "ticket": "support case", "vendor": "supplier", "contract": "agreement", "budget": "spending envelope",
    "forecast": "outlook", "metric": "measurement", "cohort": "group of users", "subscription": "membership",
    "plan": "tier", "usage": "consumption", "quote": "offer", "margin": "profit share", "rate": "charge band",
    "fee": "surcharge", "balance": "remaining sum", "credit": "allowance owed", "stock": "goods on hand",
    "schedule": "timetable", "shift": "work period", "employee": "staff member", "team": "crew",
    "project": "undertaking", "milestone": "checkpoint", "release": "rollout", "build": "compilation",
    "artifact": "produced file", "cache": "memo store", "queue": "waiting line", "event": "occurrence",
    "alert": "warning", "incident": "outage", "policy": "rulebook", "rule": "guideline", "score": "mark",
    "rating": "stars given", "review": "critique", "profile": "personal page", "address": "postal location",
    "label": "tag text", "document": "paper", "record": "written line", "entry": "line item", "journal": "diary",
    "account": "client file", "window": "time span", "limit": "ceiling", "threshold": "cutoff",
}
# a second, independent paraphrase of each code word: questions use these, so that a non-literal question shares
# no word with the identifiers *or* the docstrings of the code it asks about
QUESTION_VERBS: dict[str, str] = {
    "compute": "calculates", "validate": "vets", "normalize": "standardises", "merge": "fuses", "resolve": "decides",
    "estimate": "approximates", "apply": "enacts", "build": "constructs", "render": "formats", "score": "rates",
    "adjust": "fine-tunes", "reconcile": "balances out", "allocate": "distributes", "forecast": "anticipates",
    "summarize": "condenses", "rank": "orders", "convert": "transforms", "encode": "serialises",
    "decode": "deserialises", "refresh": "renews", "schedule": "slots in", "dispatch": "ships out",
    "collect": "accumulates", "archive": "stores away", "index": "lists", "measure": "quantifies",
    "project": "extends forward", "filter": "screens", "expand": "enlarges", "trim": "cuts down",
    "prepare": "readies", "sync": "aligns", "audit": "examines", "tally": "totals", "weigh": "assesses",
}
QUESTION_NOUNS: dict[str, str] = {
    "invoice": "statement of charges", "customer": "buyer", "shipment": "freight", "order": "request to buy",
    "ledger": "register of sums", "carrier": "transport firm", "warehouse": "storehouse", "payment": "settlement",
    "refund": "money back", "discount": "reduction", "tax": "duty", "coupon": "promo slip", "product": "merchandise",
    "catalog": "assortment", "price": "amount asked", "quota": "share", "route": "itinerary",
    "parcel": "bundle", "region": "area", "report": "digest", "session": "sitting", "token": "credential",
    "batch": "group", "ticket": "help request", "vendor": "seller", "contract": "deal", "budget": "funds",
    "forecast": "prognosis", "metric": "indicator", "cohort": "segment", "subscription": "recurring arrangement",
    "plan": "band", "usage": "utilisation", "quote": "proposal", "margin": "markup", "rate": "tariff",
    "fee": "charge", "balance": "amount left", "credit": "money due back", "stock": "inventory",
    "schedule": "calendar", "shift": "rota slot", "employee": "worker", "team": "squad", "project": "venture",
    "milestone": "waypoint", "release": "launch", "build": "compiled output", "artifact": "output file",
    "cache": "quick store", "queue": "backlog", "event": "happening", "alert": "alarm", "incident": "disruption",
    "policy": "regulation", "rule": "principle", "score": "points", "rating": "evaluation", "review": "assessment",
    "profile": "user page", "address": "mailing place", "label": "caption", "document": "written sheet",
    "record": "row", "entry": "item", "journal": "daybook", "account": "buyer dossier", "window": "period",
    "limit": "cap", "threshold": "boundary",
}
QUESTION_PROPS: dict[str, str] = {
    "TIMEOUT": "the wait, in seconds, allowed for the {n} upstream",
    "BATCH_SIZE": "the count per group used when processing the {n}",
    "RETRY_LIMIT": "the number of repeat tries for the {n}",
    "CACHE_TTL": "the lifetime, in seconds, of memoised {n} results",
    "ENABLED": "the on/off switch of the {n} functionality",
    "REGION": "the zone hosting the {n}",
    "LOG_LEVEL": "the amount of detail in {n} trace output",
    "MAX_ITEMS": "the upper bound on how many {n} elements are stored",
    "POOL_SIZE": "the number of concurrent {n} connections",
}


def describe_function(name: str) -> str | None:
    """A question-side description of a generated function name (``None`` if it is not made of code words)."""
    verb, _, rest = name.partition("_")
    nouns = rest.split("_") if rest else []
    if verb not in QUESTION_VERBS or not 1 <= len(nouns) <= 2 or any(n not in QUESTION_NOUNS for n in nouns):
        return None
    text = f"{QUESTION_VERBS[verb]} the {QUESTION_NOUNS[nouns[0]]}"
    return text + (f" of the {QUESTION_NOUNS[nouns[1]]}" if len(nouns) == 2 else "")


def describe_setting(name: str) -> str | None:
    """A question-side description of a generated setting name such as ``INVOICE_TIMEOUT``."""
    noun, _, prop = name.lower().partition("_")
    if noun not in QUESTION_NOUNS or prop.upper() not in QUESTION_PROPS:
        return None
    return QUESTION_PROPS[prop.upper()].format(n=QUESTION_NOUNS[noun])


# setting property -> (python value kind, paraphrase pattern with {n} for the noun paraphrase)
SETTING_PROPS: dict[str, tuple[str, str]] = {
    "TIMEOUT": ("int", "seconds the {n} backend gets before a request is abandoned"),
    "BATCH_SIZE": ("int", "how many pieces are handled together for the {n}"),
    "RETRY_LIMIT": ("int", "how many more attempts are made for the {n}"),
    "CACHE_TTL": ("int", "seconds a remembered {n} result stays valid"),
    "ENABLED": ("bool", "whether the {n} feature is switched on"),
    "REGION": ("str", "which geographic zone serves the {n}"),
    "LOG_LEVEL": ("str", "how chatty the {n} diagnostics are"),
    "MAX_ITEMS": ("int", "the largest count of entries kept for the {n}"),
    "POOL_SIZE": ("int", "how many parallel connections the {n} keeps open"),
}
REGIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south"]
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
ROLES = {"Book": "keeps track of", "Registry": "keeps a directory of", "Planner": "lays out", "Engine": "drives",
         "Tracker": "follows", "Desk": "handles", "Service": "serves", "Manager": "oversees"}
MAX_DEPTH = 6
PROJECT_PREFIX = ["harbor", "north", "cedar", "lumen", "quartz", "amber", "atlas", "delta", "ember", "falcon",
                  "granite", "helix", "ivory", "juniper", "kestrel", "lotus", "maple", "nimbus", "onyx", "pine"]
PROJECT_SUFFIX = ["ledger", "works", "desk", "hub", "flow", "yard", "line", "craft", "stack", "forge"]


def identifier_words() -> set[str]:
    """Every word identifiers are made of (used to check that paraphrases never share one)."""
    words = set(VERBS) | set(NOUNS) | {w.lower() for p in SETTING_PROPS for w in p.split("_")}
    return words | {r.lower() for r in ROLES}


@dataclass
class Func:
    """One generated function or method and what it computes (the model behind the tests)."""

    name: str
    module: str  # dotted module path
    doc: str
    kind: str  # leaf | branch | delegate | combine | text | method | self_call
    consts: list[int] = field(default_factory=list)
    callees: list[str] = field(default_factory=list)  # qualified names of project callees, in call order
    cls: str | None = None
    depth: int = 0  # longest chain of project calls below this function
    guards: list[tuple[str, str]] = field(default_factory=list)  # branch: (condition, returned expression), in order
    fallback: str = ""  # branch: what is returned when no guard applies

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.cls}.{self.name}" if self.cls else f"{self.module}.{self.name}"


class _Names:
    """Unique code names with their paraphrases."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.verbs = sorted(VERBS)
        self.nouns = sorted(NOUNS)

    def function(self) -> tuple[str, str]:
        for _ in range(1000):
            verb, a, b = self.rng.choice(self.verbs), self.rng.choice(self.nouns), self.rng.choice(self.nouns)
            two = self.rng.random() < 0.75 and a != b
            name = f"{verb}_{a}_{b}" if two else f"{verb}_{a}"
            if name in self.used:
                continue
            self.used.add(name)
            phrase = VERBS[verb].capitalize() + f" the {NOUNS[a]}" + (f" of the {NOUNS[b]}" if two else "")
            return name, phrase + "."
        raise RuntimeError("the name vocabulary is exhausted")  # pragma: no cover - 70k+ combinations

    def word(self, pool: list[str], taken: set[str], joiner: str = "_") -> str:
        for _ in range(1000):
            first, second = self.rng.sample(pool, 2)
            word = first if first not in taken and self.rng.random() < 0.6 else f"{first}{joiner}{second}"
            if word not in taken and word not in self.used:
                taken.add(word)
                self.used.add(word)
                return word
        raise RuntimeError("the name vocabulary is exhausted")  # pragma: no cover


def _eval(funcs: dict[str, Func], qual: str, x: int) -> int:
    """What function ``qual`` returns for the integer ``x`` (mirrors the emitted code exactly)."""
    f = funcs[qual]
    c = f.consts
    if f.kind == "leaf":
        return x * c[0] + c[1]
    if f.kind == "branch":
        return x * c[0] - c[1] if x > c[2] else x + c[1]
    if f.kind == "delegate":
        return _eval(funcs, f.callees[0], x + c[0]) * c[1] + c[2]
    if f.kind == "combine":
        return _eval(funcs, f.callees[0], x) + _eval(funcs, f.callees[1], x - c[0])
    if f.kind == "method":  # scale * callee(x) with scale given to the constructor (tests use c[1])
        return _eval(funcs, f.callees[0], x) * c[1]
    if f.kind == "self_call":
        return _eval(funcs, f.callees[0], x) + c[0]
    raise ValueError(f.kind)


def _shape_branch(f: Func, rng: random.Random) -> None:
    """How a branch function (``value * a - b`` above ``t``, else ``value + b``) is written.

    The same function is written in several ways, as people do: the comparison either way round, the guard on
    either side of the threshold, and sometimes with one more guard that changes nothing — one implied by the
    main guard, one that repeats what the code after it returns anyway, or dead code after it. Such guards exist
    in real code, and they give the defect generators' shapes (a deleted guard, a changed threshold) harmless
    twins: deleting or retuning a redundant guard is a benign edit of the same look.
    """
    a, b, t = f.consts
    r = rng.randint
    above, below = f"value * {a} - {b}", f"value + {b}"

    def over(bound: int) -> str:  # value > bound
        return rng.choice([f"value > {bound}", f"{bound} < value"]) if bound >= 0 else f"value > {bound}"

    def under(bound: int) -> str:  # value <= bound
        return rng.choice([f"value <= {bound}", f"{bound} >= value"]) if bound >= 0 else f"value <= {bound}"

    flipped = rng.random() < 0.45
    main = (under(t), below) if flipped else (over(t), above)
    f.fallback = above if flipped else below
    roll = rng.random()
    if roll < 0.25:  # dead code after the main guard: its condition implies the dead one's
        dead = (under(r(0, t - 1)), f"value + {r(1, 30)}") if flipped else \
            (over(t + r(1, 25)), f"value * {r(2, 5)} - {r(1, 30)}")
        f.guards = [main, dead]
    elif roll < 0.5:  # a narrower guard before the main one, returning what the main one returns
        f.guards = [(under(max(0, t - r(6, 30))), below) if flipped else (over(t + r(10, 30)), above), main]
    elif roll < 0.7:  # a guard before the main one returning what the fallback returns anyway
        f.guards = [(over(t + r(0, 20)), above) if flipped else (under(t - r(0, 20)), below), main]
    else:
        f.guards = [main]


def _emit_function(f: Func, local_names: dict[str, str], indent: str = "") -> str:
    """Source of one function; ``local_names`` maps callee qualnames to how this module refers to them."""
    c = f.consts
    doc = f'{indent}    """{f.doc}"""\n'
    if f.kind == "text":
        return (f"{indent}def {f.name}(name: str) -> str:\n{doc}"
                f"{indent}    cleaned = name.strip().lower()\n"
                f"{indent}    return f\"{{LABEL_PREFIX}}-{{cleaned}}-{c[0]}\"\n")
    if f.kind == "leaf":
        body = f"{indent}    return value * {c[0]} + {c[1]}\n"
    elif f.kind == "branch":
        guards = [f"{indent}    if {test}:\n{indent}        return {result}\n" for test, result in f.guards]
        body = "".join(guards) + f"{indent}    return {f.fallback}\n"
    elif f.kind == "delegate":
        callee = local_names[f.callees[0]]
        body = (f"{indent}    partial = {callee}(value + {c[0]})\n"
                f"{indent}    return partial * {c[1]} + {c[2]}\n")
    elif f.kind == "combine":
        first, second = local_names[f.callees[0]], local_names[f.callees[1]]
        body = (f"{indent}    head = {first}(value)\n{indent}    tail = {second}(value - {c[0]})\n"
                f"{indent}    return head + tail\n")
    elif f.kind == "method":
        body = f"{indent}    return {local_names[f.callees[0]]}(value) * self.scale\n"
    elif f.kind == "self_call":
        method = f.callees[0].rsplit(".", 1)[1]
        body = f"{indent}    return self.{method}(value) + {c[0]}\n"
    else:  # pragma: no cover - kinds are fixed above
        raise ValueError(f.kind)
    params = "self, value: int" if f.cls else "value: int"
    return f"{indent}def {f.name}({params}) -> int:\n{doc}{body}"


@dataclass
class _Module:
    dotted: str
    path: str
    domain: str
    funcs: list[Func] = field(default_factory=list)
    cls_name: str | None = None
    cls_doc: str = ""
    methods: list[Func] = field(default_factory=list)
    scale: int = 2
    text: str = ""
    test_text: str = ""


BRANCH_SHARE = 0.14  # of all functions: branch functions (threshold guards); leaves are 0.22, the rest call others


class _Generator:
    def __init__(self, seed: int, target_tokens: int, branch_share: float = BRANCH_SHARE) -> None:
        self.rng = random.Random(f"locogym-synthetic:{seed}")
        self.seed = seed
        self.branch_share = branch_share
        self.target = target_tokens
        self.settings_target = target_tokens  # the core's size: the settings package never grows with the fill
        self.filling = False  # new modules belong to the fill: they call only fill code
        self.fill_modules: set[str] = set()
        self.names = _Names(self.rng)
        self.pkg = f"{self.rng.choice(PROJECT_PREFIX)}{self.rng.choice(PROJECT_SUFFIX)}"
        self.funcs: dict[str, Func] = {}
        self.modules: list[_Module] = []
        self.domains: dict[str, list[_Module]] = {}
        self.domain_exports: dict[str, dict[str, str]] = {}  # domain -> exported name -> qualname
        self.taken_words: set[str] = set()
        self._settings: dict[str, str] | None = None
        self._counts: dict[str, tuple[str, int]] = {}
        self._inits: dict[tuple[Any, ...], str] = {}

    # ------------------------------------------------------------------ structure
    def new_domain(self) -> str:
        domain = self.names.word(sorted(NOUNS), self.taken_words)
        self.domains[domain] = []
        self.domain_exports[domain] = {}
        return domain

    def callable_pool(self, module: _Module) -> list[str]:
        """Module-level int functions a new function of ``module`` may call (earlier ones only: no cycles)."""
        recent = [m for m in self.modules if m.dotted in self.fill_modules][-12:] if self.filling \
            else self.modules[-12:]
        return [f.qualname for m in [*recent, module] for f in m.funcs if f.kind != "text" and f.depth < MAX_DEPTH]

    def new_function(self, module: _Module, kind: str | None = None) -> Func:
        name, doc = self.names.function()
        pool = self.callable_pool(module)
        if kind is None:
            roll = self.rng.random()
            if not pool or roll < 0.22:
                kind = "leaf"
            elif roll < 0.22 + self.branch_share:
                kind = "branch"
            elif roll < 0.22 + self.branch_share + 0.49 * (0.78 - self.branch_share) / 0.64 or len(pool) < 2:
                kind = "delegate"
            else:
                kind = "combine"
        r = self.rng.randint
        if kind == "leaf":
            f = Func(name, module.dotted, doc, kind, [r(2, 9), r(1, 40)])
        elif kind == "branch":
            f = Func(name, module.dotted, doc, kind, [r(2, 5), r(1, 30), r(5, 60)])
            _shape_branch(f, random.Random(f"locogym-synthetic-branch:{self.seed}:{name}"))
        elif kind == "delegate":
            f = Func(name, module.dotted, doc, kind, [r(1, 9), r(2, 4), r(1, 20)], [self.rng.choice(pool)])
        elif kind == "combine":
            f = Func(name, module.dotted, doc, kind, [r(1, 9)], self.rng.sample(pool, 2))
        else:  # text
            f = Func(name, module.dotted, doc, "text", [r(1, 99)])
        f.depth = 1 + max((self.funcs[q].depth for q in f.callees), default=-1)
        module.funcs.append(f)
        self.funcs[f.qualname] = f
        return f

    def new_module(self, domain: str, n_funcs: int) -> _Module:
        taken = {m.dotted.rsplit(".", 1)[1] for m in self.domains[domain]}
        mod_name = self.names.word(sorted(NOUNS), taken)
        dotted = f"{self.pkg}.{domain}.{mod_name}"
        module = _Module(dotted=dotted, path=f"{self.pkg}/{domain}/{mod_name}.py", domain=domain)
        for _ in range(n_funcs):
            self.new_function(module)
        if self.rng.random() < 0.3:
            self.new_function(module, "text")
        if self.rng.random() < 0.6:
            self.add_class(module)
        self.modules.append(module)
        self.domains[domain].append(module)
        if self.filling:
            self.fill_modules.add(dotted)
        exported = [f for f in module.funcs if self.rng.random() < 0.5]
        for f in exported:
            alias = f.name if self.rng.random() < 0.75 else self.names.function()[0]
            self.domain_exports[domain][alias] = f.qualname
        self.render_module(module)
        return module

    def add_class(self, module: _Module) -> None:
        ints = [f for f in module.funcs if f.kind != "text"]
        if not ints:
            return
        noun = module.dotted.rsplit(".", 1)[1].split("_")[0]
        role = self.rng.choice(sorted(ROLES))
        cls = f"{noun.capitalize()}{role}"
        module.cls_name = cls
        module.cls_doc = f"{ROLES[role].capitalize()} {NOUNS.get(noun, noun)} figures."
        module.scale = self.rng.randint(2, 5)
        first_name, first_doc = self.names.function()
        first = Func(first_name, module.dotted, first_doc, "method", [0, module.scale],
                     [self.rng.choice(ints).qualname], cls=cls)
        module.methods.append(first)
        self.funcs[first.qualname] = first
        if self.rng.random() < 0.7:
            second_name, second_doc = self.names.function()
            second = Func(second_name, module.dotted, second_doc, "self_call", [self.rng.randint(1, 50)],
                          [first.qualname], cls=cls)
            module.methods.append(second)
            self.funcs[second.qualname] = second

    # ------------------------------------------------------------------ rendering
    def import_lines(self, module: _Module) -> tuple[list[str], dict[str, str]]:
        """Import statements for every callee outside ``module`` and the local name of each callee."""
        names: dict[str, str] = {f.qualname: f.name for f in module.funcs}
        lines: list[str] = []
        callees = sorted({q for f in module.funcs + module.methods for q in f.callees
                          if self.funcs[q].module != module.dotted})
        by_module: dict[str, list[str]] = {}
        for q in callees:
            target = self.funcs[q]
            style = self.rng.random()
            exported = [a for a, tq in self.domain_exports[self.domain_of(target.module)].items() if tq == q]
            domain_done = self.domain_of(target.module) != module.domain and all(
                m.text for m in self.domains[self.domain_of(target.module)])
            if exported and domain_done and style < 0.35:
                # through the domain package's re-export (maybe under an alias)
                pkg_mod = f"{self.pkg}.{self.domain_of(target.module)}"
                lines.append(f"from {pkg_mod} import {exported[0]}")
                names[q] = exported[0]
            elif style < 0.55:
                short = target.module.rsplit(".", 1)[1]
                alias = f"{short}_mod" if short in names.values() else short
                parent = target.module.rsplit(".", 1)[0]
                source = "." if parent == module.dotted.rsplit(".", 1)[0] else parent
                lines.append(f"from {source} import {short}" + (f" as {alias}" if alias != short else ""))
                names[q] = f"{alias}.{target.name}"
            else:
                by_module.setdefault(target.module, []).append(target.name)
                names[q] = target.name
        for mod in sorted(by_module):
            lines.append(f"from {self.relative(module, mod)} import {', '.join(sorted(set(by_module[mod])))}")
        return sorted(set(lines)), names

    def relative(self, module: _Module, target: str) -> str:
        """Import path of ``target`` as seen from ``module``: relative inside a domain, absolute across."""
        here = module.dotted.rsplit(".", 1)[0]
        there, leaf = target.rsplit(".", 1)
        if here == there:
            return f".{leaf}"
        return target

    def domain_of(self, dotted: str) -> str:
        return dotted.split(".")[1]

    def render_module(self, module: _Module) -> None:
        imports, names = self.import_lines(module)
        header = (f'"""{NOUNS.get(module.dotted.rsplit(".", 1)[1].split("_")[0], "core").capitalize()} '
                  f'helpers of the {self.pkg} {module.domain} domain."""\n\n')
        text = header + "from __future__ import annotations\n\n"
        if imports:
            text += "\n".join(imports) + "\n\n"
        if any(f.kind == "text" for f in module.funcs):
            text += f'LABEL_PREFIX = "{module.domain[:3].upper()}"\n\n'
        for f in module.funcs:
            text += "\n" + _emit_function(f, names) + "\n"
        if module.cls_name:
            text += (f"\nclass {module.cls_name}:\n    \"\"\"{module.cls_doc}\"\"\"\n\n"
                     f"    def __init__(self, scale: int = {module.scale}) -> None:\n        self.scale = scale\n")
            for m in module.methods:
                text += "\n" + _emit_function(m, names, indent="    ")
        module.text = text.rstrip("\n") + "\n"
        module.test_text = self.render_test(module)

    def render_test(self, module: _Module) -> str:
        lines = [f'"""Tests of {module.dotted}."""', "", "import pytest", ""]
        imported = [f.name for f in module.funcs]
        if module.cls_name:
            imported.append(module.cls_name)
        lines.append(f"from {module.dotted} import {', '.join(imported)}")
        lines.append("")
        for f in module.funcs:
            lines += ["", ""]
            if f.kind == "text":
                sample = self.rng.choice(sorted(NOUNS)).capitalize()
                prefix = module.domain[:3].upper()
                lines += [f"def test_{f.name}() -> None:",
                          f'    assert {f.name}("  {sample} ") == "{prefix}-{sample.lower()}-{f.consts[0]}"']
                continue
            inputs = self.test_inputs(f)
            cases = ", ".join(f"({x}, {_eval(self.funcs, f.qualname, x)})" for x in inputs)
            lines += [f'@pytest.mark.parametrize(("value", "expected"), [{cases}])',
                      f"def test_{f.name}(value: int, expected: int) -> None:",
                      f"    assert {f.name}(value) == expected"]
        if module.cls_name:
            for m in module.methods:
                scale = module.scale + 1
                x = self.rng.randint(1, 40)
                expected = self.method_value(m, x, scale)  # a non-default scale, so the constructor is tested
                lines += ["", "", f"def test_{module.cls_name.lower()}_{m.name}() -> None:",
                          f"    assert {module.cls_name}(scale={scale}).{m.name}({x}) == {expected}"]
        return "\n".join(lines) + "\n"

    def method_value(self, m: Func, x: int, scale: int) -> int:
        if m.kind == "method":
            return _eval(self.funcs, m.callees[0], x) * scale
        first = self.funcs[m.callees[0]]
        return self.method_value(first, x, scale) + m.consts[0]

    def test_inputs(self, f: Func) -> list[int]:
        if f.kind == "branch":
            return [f.consts[2] + self.rng.randint(1, 9), max(0, f.consts[2] - self.rng.randint(1, 5))]
        return [self.rng.randint(0, 20), self.rng.randint(21, 90)]

    # ------------------------------------------------------------------ settings, packages, tests
    def settings_files(self) -> dict[str, str]:
        """The layered settings package, drawn from its own random stream (stable across re-assembly)."""
        if self._settings is not None:
            return self._settings
        saved, self.rng = self.rng, random.Random(f"locogym-synthetic-settings:{self.seed}")
        try:
            self._settings = self._draw_settings()
        finally:
            self.rng = saved
        return self._settings

    def _draw_settings(self) -> dict[str, str]:
        nouns = sorted(NOUNS)
        count = max(8, min(60, self.settings_target // 6000 + 8))
        settings: list[tuple[str, str, str, Any]] = []  # name, kind, comment, default
        seen: set[str] = set()
        while len(settings) < count:
            noun, prop = self.rng.choice(nouns), self.rng.choice(sorted(SETTING_PROPS))
            name = f"{noun.upper()}_{prop}"
            if name in seen:
                continue
            seen.add(name)
            kind, pattern = SETTING_PROPS[prop]
            settings.append((name, prop, pattern.format(n=NOUNS[noun]), self.setting_value(prop)))
        defaults = ['"""Default settings of every deployment. Later layers override some of them."""', ""]
        for name, _kind, comment, value in settings:
            defaults += [f"# {comment}", f"{name} = {value!r}"]
        layers = {"production": ["\"\"\"Production settings: the defaults with production overrides.\"\"\"", "",
                                 "from .defaults import *  # noqa: F401,F403", ""],
                  "local": ["\"\"\"Local developer settings: production plus local overrides.\"\"\"", "",
                            "from .production import *  # noqa: F401,F403", ""]}
        for layer in ("production", "local"):
            for name, prop, _comment, _value in settings:
                roll = self.rng.random()
                if roll < 0.35:
                    layers[layer].append(f"{name} = {self.setting_value(prop)!r}")
                elif roll < 0.45 and layer == "local":
                    same = [s[0] for s in settings if s[1] == prop and s[0] != name]
                    if same:
                        layers[layer].append(f"{name} = {self.rng.choice(same)}")
        init = ['"""The active settings: the local layer, which builds on production and the defaults."""', "",
                "from .local import *  # noqa: F401,F403", ""]
        base = f"{self.pkg}/settings"
        return {f"{base}/__init__.py": "\n".join(init), f"{base}/defaults.py": "\n".join(defaults) + "\n",
                f"{base}/production.py": "\n".join(layers["production"]) + "\n",
                f"{base}/local.py": "\n".join(layers["local"]) + "\n"}

    def setting_value(self, prop: str) -> Any:
        kind = SETTING_PROPS[prop][0]
        if kind == "int":
            return self.rng.choice([1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 250, 500, 1000])
        if kind == "bool":
            return self.rng.random() < 0.5
        return self.rng.choice(REGIONS if prop == "REGION" else LEVELS)

    def domain_init(self, domain: str) -> str:
        key = (domain, tuple(sorted(self.domain_exports[domain].items())))
        cached = self._inits.get(key)
        if cached is None:
            cached = self._inits[key] = self._render_domain_init(domain)
        return cached

    def _render_domain_init(self, domain: str) -> str:
        lines = [f'"""The {domain} domain of {self.pkg}."""', ""]
        by_module: dict[str, list[str]] = {}
        for alias, q in sorted(self.domain_exports[domain].items()):
            f = self.funcs[q]
            leaf = f.module.rsplit(".", 1)[1]
            by_module.setdefault(leaf, []).append(f.name if alias == f.name else f"{f.name} as {alias}")
        for leaf in sorted(by_module):
            lines.append(f"from .{leaf} import {', '.join(sorted(by_module[leaf]))}")
        if by_module:
            lines += ["", "__all__ = [" + ", ".join(repr(a) for a in sorted(self.domain_exports[domain])) + "]"]
        return "\n".join(lines) + "\n"

    def package_init(self) -> str:
        """The top package's re-exports: each domain's share drawn from that domain's own stream, so that fill
        domains add lines without changing which core names are re-exported. The core's domains come first, so
        the fill's lines come after every core line and move none (a question's evidence cites line numbers)."""
        lines = [f'"""{self.pkg}: the public interface."""', ""]
        core = self.core_domains()
        for domain in core + sorted(set(self.domains) - set(core)):
            exports = sorted(self.domain_exports[domain])
            share = random.Random(f"locogym-synthetic-init:{self.seed}:{domain}").randint(0, 2)
            lines += [f"from .{domain} import {alias}" for alias in exports[:share]]
        version = random.Random(f"locogym-synthetic-version:{self.seed}").randint(0, 20)
        lines += ["", f'__version__ = "0.{self.seed % 10}.{version}"']
        return "\n".join(lines) + "\n"

    def static_files(self) -> dict[str, str]:
        core = self.core_domains()
        return {
            "pyproject.toml": (f'[project]\nname = "{self.pkg}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n\n'
                               '[tool.pytest.ini_options]\npythonpath = ["."]\ntestpaths = ["tests"]\n'),
            "README.md": (f"# {self.pkg}\n\nBusiness helpers organised in domains "
                          f"({', '.join(core[:6])}{', ...' if len(core) > 6 else ''}).\n\n"
                          "Run the tests with `python -m pytest -q`.\n"),
            "tests/__init__.py": "",
        }

    # ------------------------------------------------------------------ assembly with length control
    def assemble(self) -> dict[str, str]:
        files: dict[str, str] = {}
        files.update(self.static_files())
        files.update(self.settings_files())
        files[f"{self.pkg}/__init__.py"] = self.package_init()
        for domain in sorted(self.domains):
            files[f"{self.pkg}/{domain}/__init__.py"] = self.domain_init(domain)
        for m in self.modules:
            files[m.path] = m.text
            files[f"tests/test_{m.domain}_{m.dotted.rsplit('.', 1)[1]}.py"] = m.test_text
        return {p: files[p] for p in sorted(files)}

    def total(self, files: dict[str, str]) -> int:
        """Token total of ``files``; unchanged files are not counted again (re-assembly is frequent)."""
        out = 0
        for path, text in files.items():
            cached = self._counts.get(path)
            if cached is None or cached[0] != text:
                cached = (text, tokens.count(text))
                self._counts[path] = cached
            out += cached[1]
        return out

    def core_domains(self) -> list[str]:
        return sorted(d for d, mods in self.domains.items() if not any(m.dotted in self.fill_modules for m in mods))

    def generate(self) -> dict[str, str]:
        """The project of ``target`` tokens: modules in new domains until the estimate is near the target, then
        fine control by dropping or adding whole modules (only modules drawn by this call, so a fill never touches
        the core)."""
        domain = self.new_domain()
        modules_per_domain = self.rng.randint(3, 6)
        overhead = sum(tokens.count(t) for t in self.settings_files().values())
        first_new = len(self.modules)
        if first_new:  # growing a core: what is already there counts in full
            overhead = self.total(self.assemble())
        estimate = 0
        while True:
            if len(self.domains[domain]) >= modules_per_domain:
                domain = self.new_domain()
                modules_per_domain = self.rng.randint(3, 6)
            module = self.new_module(domain, self.rng.randint(3, 7))
            exports = sum(1 for q in self.domain_exports[domain].values() if q.startswith(module.dotted + "."))
            estimate += tokens.count(module.text) + tokens.count(module.test_text) + 12 * exports + 8
            if estimate + overhead >= self.target * 0.96 or len(self.modules) > 20_000:
                break
        files = self.assemble()
        # fine control: drop trailing modules while over, then trim the last module's functions
        total = self.total(files)
        while total > self.target * 1.02 and len(self.modules) > max(2, first_new + 1):
            removed = self.modules.pop()
            self.forget(removed)
            files = self.assemble()
            total = self.total(files)
        while total < self.target * 0.98:
            last = self.modules[-1].domain
            domain = last if len(self.domains[last]) < 6 else self.new_domain()
            gap = self.target - total
            module = self.new_module(domain, max(1, min(7, gap // 260)))
            files = self.assemble()
            total = self.total(files)
            if total > self.target * 1.02:
                self.modules.pop()
                self.forget(module)
                retry: _Module | None = self.new_module(domain, 1) if gap > 500 else None
                files = self.assemble()
                total = self.total(files)
                if total > self.target * 1.02 and retry is not None:
                    self.modules.pop()
                    self.forget(retry)
                    files = self.assemble()
                    total = self.total(files)
                break
        return files

    def grow(self, target: int, fill: int) -> dict[str, str]:
        """Grow the generated core to ``target`` tokens with fill domains drawn from stream ``fill``."""
        self.rng = self.names.rng = random.Random(f"locogym-synthetic-fill:{self.seed}:{fill}")
        self.target, self.filling = target, True
        return self.generate()

    def forget(self, module: _Module) -> None:
        self.fill_modules.discard(module.dotted)
        self.domains[module.domain].remove(module)
        for f in module.funcs + module.methods:
            self.funcs.pop(f.qualname, None)
        exports = self.domain_exports[module.domain]
        for alias in [a for a, q in exports.items() if q.startswith(module.dotted + ".")]:
            del exports[alias]
        if not self.domains[module.domain]:
            del self.domains[module.domain]
            del self.domain_exports[module.domain]


MIN_TOKENS = 2_000
MAX_TOKENS = 4 * 1024 * 1024


def generate_project(seed: int, target_tokens: int = 32_768, branch_share: float = BRANCH_SHARE, *,
                     core_tokens: int | None = None, fill: int = 0) -> SourceTree:
    """Generate a Python project of about ``target_tokens`` tokens (all files, measured with cl100k_base).

    The result's ``meta`` describes the project: ``package`` (the import name), ``functions`` (qualified name ->
    kind, callees, docstring), ``modules`` (dotted -> path), ``tests`` (module path -> test file) and
    ``core_modules`` (the dotted names of the core's modules). The project's own tests pass: ``python -m pytest -q``
    in the project folder. ``branch_share`` is the share of functions that branch on a threshold (of those that are
    not leaves); the code-review family asks for more of them than the default, so that its defects in guards have
    enough harmless look-alikes.

    ``core_tokens`` (default: ``target_tokens``) is the size of the core: every file of the project generated
    with ``target_tokens=core_tokens`` is in the result unchanged, and fill domains from stream ``fill`` make up
    the rest (see the module docstring). ``fill`` picks another fill of the same size, for a generator that must
    reject a fill.

    Raises:
        ConfigError: ``target_tokens`` or ``core_tokens`` is outside [2,000, 4,194,304], or ``target_tokens`` is
            too small to hold the core.
    """
    core = int(core_tokens if core_tokens is not None else target_tokens)
    for name, value in (("target_tokens", target_tokens), ("core_tokens", core)):
        if not MIN_TOKENS <= int(value) <= MAX_TOKENS:
            raise ConfigError(f"{name}={value} is outside [{MIN_TOKENS:,}, {MAX_TOKENS:,}].",
                              fix="Ask for a project between 2k and 4m tokens.")
    if not 0.0 <= branch_share <= 0.6:
        raise ConfigError(f"branch_share={branch_share} is outside [0, 0.6].",
                          fix="Ask for a share of branch functions between 0 and 0.6.")
    gen = _Generator(int(seed), core, branch_share)
    files = gen.generate()
    core_modules = [m.dotted for m in gen.modules]
    if int(target_tokens) > core * 1.02:
        files = gen.grow(int(target_tokens), int(fill))
    elif int(target_tokens) < core * 0.98:
        raise too_short(int(target_tokens), gen.total(files), "the project's core",
                        fix=f"Ask for at least {core:,} tokens, or a smaller core.")
    meta = {
        "package": gen.pkg,
        "seed": int(seed),
        "functions": {q: {"kind": f.kind, "callees": list(f.callees), "doc": f.doc, "class": f.cls}
                      for q, f in sorted(gen.funcs.items())},
        "modules": {m.dotted: m.path for m in gen.modules},
        "tests": {m.path: f"tests/test_{m.domain}_{m.dotted.rsplit('.', 1)[1]}.py" for m in gen.modules},
        "core_modules": core_modules,
        "core_tokens": core,
        "fill": int(fill),
    }
    return SourceTree(name=f"synthetic-{gen.pkg}-{seed}", files=files, language="python", origin="synthetic",
                      meta=meta)
