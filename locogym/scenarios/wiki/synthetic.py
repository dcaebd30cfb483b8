"""The built-in synthetic encyclopedia: a seeded world of invented entities rendered as linked articles.

Why invented: no model has seen these facts, so a correct answer shows the context was used (no contamination),
and the world can be made as large as a haystack needs. Entities (countries, cities, people, organisations,
works, events) carry functional typed relations and numeric attributes; about a quarter of them have a
*near-miss twin* — a similar name with mostly the same facts and one fact changed — which is what makes a
retriever's distractors hard to tell from the gold articles.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from locogym.scenarios.wiki.corpus import Article, Corpus

ONSETS = ("b br c d dr f g gr h k kr l m n p pr r s st t tr v w z th sh".split())
VOWELS = ("a e i o u ae ei ia ou y".split())
CODAS = ("n r l s th nd rn ck m x lt ss".split())
CITY_ENDS = ("mouth", "ford", "holm", "bury", "dale", "wick", "stead", "haven", "port", "field", "moor", "gate")
COUNTRY_ENDS = ("ia", "land", "mark", "ora", "istan", "uria")
ORG_KINDS = {
    "company": ("Industries", "Works", "Holdings", "Press", "Studios", "Trading Company"),
    "university": ("University", "Institute of Technology", "College"),
    "society": ("Society", "Foundation", "Guild", "Academy"),
}
OCCUPATIONS = ("painter", "physicist", "novelist", "architect", "composer", "engineer", "historian", "film director",
               "botanist", "economist", "sculptor", "poet")
WORK_KINDS = {"novel": "written", "film": "directed", "opera": "composed", "treatise": "written"}
ADJECTIVES = ("Silent", "Crimson", "Hollow", "Distant", "Gilded", "Broken", "Northern", "Quiet", "Burning", "Pale",
              "Lost", "Winter")
NOUNS = ("Harbour", "Orchard", "Lantern", "Meridian", "Tide", "Garden", "Archive", "Compass", "Summit", "Mirror",
         "Bridge", "Chorus")
EVENT_KINDS = ("Festival", "Games", "Exhibition", "Congress", "Regatta", "Fair")
FILLER = {
    "country": ("{n} has a varied landscape of {a} plains and {b} coasts.",
                "Its economy has long depended on {a} trade and {b} crafts.",
                "The national assembly meets in a hall famous for its {a} arches."),
    "city": ("The old town of {n} is known for its {a} squares and {b} markets.",
             "A {a} river divides {n} into an upper and a lower quarter.",
             "Local cuisine in {n} favours {a} bread and {b} stews."),
    "person": ("Contemporaries described {n} as {a} and {b}.",
               "Critics later praised the {a} style of much of {n}'s output.",
               "Letters by {n} survive in several {a} collections."),
    "org": ("{n} grew steadily through a series of {a} ventures.",
            "Its archives document decades of {a} and {b} activity.",
            "Staff of {n} are known for a {a} approach to their work."),
    "work": ("Reviewers called {n} {a} and {b}.",
             "Scholars still debate the {a} ending of {n}.",
             "{n} has been translated into many {a} editions."),
    "event": ("Visitors to {n} remembered its {a} ceremonies.",
              "{n} drew crowds with {a} parades and {b} displays.",
              "Reports of {n} mention {a} weather throughout."),
}
FILLER_WORDS = ("restrained", "lively", "austere", "ornate", "coastal", "rural", "modest", "ambitious", "careful",
                "experimental", "traditional", "vivid", "measured", "sprawling", "intimate", "stormy", "gentle",
                "turbulent", "scholarly", "popular")

# relation name -> (source type, target type). All relations are functional: one target per source.
RELATIONS: dict[str, tuple[str, str]] = {
    "capital": ("country", "city"),
    "country": ("city", "country"),
    "birthplace": ("person", "city"),
    "employer": ("person", "org"),
    "alma_mater": ("person", "org"),
    "headquarters": ("org", "city"),
    "founder": ("org", "person"),
    "creator": ("work", "person"),
    "publisher": ("work", "org"),
    "venue": ("event", "city"),
    "organiser": ("event", "org"),
}
# numeric attribute per entity type (used for comparison questions and attribute hops)
ATTRIBUTES: dict[str, str] = {"person": "birth_year", "org": "founded_year", "city": "population",
                              "work": "year", "event": "year"}


@dataclass
class Entity:
    """A world entity: its type, name, aliases, relations (name -> entity id) and attributes."""

    eid: int
    etype: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""
    rel: dict[str, int] = field(default_factory=dict)
    attr: dict[str, int] = field(default_factory=dict)
    twin_of: int | None = None


@dataclass
class World:
    """A generated world: entities by id (ids are list positions) and the rendered corpus."""

    seed: int
    entities: list[Entity]
    corpus: Corpus
    _named: dict[str, list[int]] | None = field(default=None, init=False, repr=False)

    def named(self, name: str) -> list[int]:
        """Every entity whose name or alias is ``name`` (any case): one for a well-formed question's entity.

        Why a list: a question is only answerable while its names are unique, and whoever asks must see when not.
        """
        if self._named is None:
            index: dict[str, list[int]] = {}
            for ent in self.entities:
                for label in dict.fromkeys(n.lower() for n in (ent.name, *ent.aliases)):
                    index.setdefault(label, []).append(ent.eid)
            self._named = index
        return list(self._named.get(name.strip().lower(), ()))


class _Names:
    """Invented names, unique across the world; seeded so the same world always gets the same names."""

    def __init__(self, rng: random.Random, reserved: Iterable[str] = ()) -> None:
        self.rng = rng
        self.taken: set[str] = {r.lower() for r in reserved}  # lower case: titles are looked up in any case

    def stem(self, syllables: int) -> str:
        parts = []
        for i in range(syllables):
            parts.append(self.rng.choice(ONSETS) + self.rng.choice(VOWELS))
            if i == syllables - 1 or self.rng.random() < 0.3:
                parts.append(self.rng.choice(CODAS))
        return "".join(parts).capitalize()

    def claim(self, make: Callable[[], str], fallback: Callable[[], str] | None = None) -> str:
        """A fresh name from ``make``; after 50 collisions from ``fallback`` (a larger name space)."""
        for attempt in range(2000):
            name = make() if attempt < 50 or fallback is None else fallback()
            if name.lower() not in self.taken:
                self.taken.add(name.lower())
                return name
        raise RuntimeError("name space exhausted")  # pragma: no cover - 2000 collisions in a row


def _counts(size: int) -> dict[str, int]:
    """How many entities of each type a world of ``size`` entities has (twins included)."""
    countries = max(4, size // 40)
    cities = max(8, size // 8)
    orgs = max(8, size // 5)
    works = max(6, size * 3 // 20)
    events = max(4, size // 14)
    persons = max(10, size - countries - cities - orgs - works - events)
    return {"country": countries, "city": cities, "org": orgs, "person": persons, "work": works, "event": events}


def _twin_name(names: _Names, ent: Entity, rng: random.Random) -> str:
    """A name close to ``ent.name``: same surname, same stem with another suffix, or a one-word change."""
    base = ent.name

    def make() -> str:
        if ent.etype == "person":
            return f"{names.stem(2)} {base.split()[-1]}"
        if ent.etype == "city":
            return base[: max(3, len(base) - 4)] + rng.choice(CITY_ENDS)
        if ent.etype == "country":
            return base[: max(3, len(base) - 3)] + rng.choice(COUNTRY_ENDS)
        if ent.etype == "org":
            kind = ent.kind
            return f"{base.split()[0]} {rng.choice(ORG_KINDS[kind])}"
        if ent.etype == "work":
            w = base.split()
            return " ".join(w[:-1] + [rng.choice(NOUNS)]) if rng.random() < 0.5 else " ".join(
                w[:1] + [rng.choice(ADJECTIVES)] + w[2:])
        return f"{base.split()[0]} {rng.choice(EVENT_KINDS)}"

    def fallback() -> str:
        head, _, rest = base.partition(" ")
        return f"{head[:-1]}{rng.choice(VOWELS)}{rng.choice(CODAS)} {rest}".strip()

    return names.claim(make, fallback)


def _make_entity(names: _Names, etype: str, eid: int, rng: random.Random, cities: list[int],
                 world: list[Entity]) -> Entity:
    if etype == "country":
        name = names.claim(lambda: names.stem(2) + rng.choice(COUNTRY_ENDS))
        return Entity(eid, etype, name, (f"Republic of {name}",))
    if etype == "city":
        name = names.claim(lambda: names.stem(rng.choice((1, 2))) + rng.choice(CITY_ENDS))
        return Entity(eid, etype, name, (f"{name} City",))
    if etype == "person":
        name = names.claim(lambda: f"{names.stem(2)} {names.stem(rng.choice((2, 3)))}")
        first, last = name.split()
        return Entity(eid, etype, name, (f"{first[0]}. {last}",), kind=rng.choice(OCCUPATIONS))
    if etype == "org":
        kind = rng.choice(tuple(ORG_KINDS))
        if kind == "university" and cities and rng.random() < 0.5:
            city = world[rng.choice(cities)].name
            name = names.claim(lambda: f"{rng.choice(ORG_KINDS[kind])} of {city}"
                               if rng.random() < 0.5 else f"{city} {rng.choice(ORG_KINDS[kind])}")
        else:
            name = names.claim(lambda: f"{names.stem(2)} {rng.choice(ORG_KINDS[kind])}")
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        aliases = (initials,) if len(initials) >= 2 else (f"the {name.split()[0]} organisation",)
        return Entity(eid, etype, name, aliases, kind=kind)
    if etype == "work":
        kind = rng.choice(tuple(WORK_KINDS))
        name = names.claim(lambda: f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
                           + ("" if rng.random() < 0.4 else f" of {names.stem(2)}"))
        return Entity(eid, etype, name, (name[4:],), kind=kind)
    name = names.claim(lambda: f"{names.stem(2)} {rng.choice(EVENT_KINDS)}")
    return Entity(eid, etype, name, (f"the {name.split()[0]} event",))


def _relate(ent: Entity, ids: dict[str, list[int]], orgs_by_kind: dict[str, list[int]], world: list[Entity],
            rng: random.Random) -> None:
    """Draw the entity's relation targets and attributes."""
    pick = lambda pool: rng.choice(pool)  # noqa: E731 - short local helper
    if ent.etype == "country":
        own = ids.get(f"city-of-{ent.eid}", [])
        if own:
            ent.rel["capital"] = pick(own)
    elif ent.etype == "city":
        ent.attr["population"] = rng.randrange(8, 2400) * 1000 + rng.randrange(0, 1000)
    elif ent.etype == "person":
        ent.rel["birthplace"] = pick(ids["city"])
        ent.rel["employer"] = pick(orgs_by_kind["company"] + orgs_by_kind["society"] or ids["org"])
        ent.rel["alma_mater"] = pick(orgs_by_kind["university"] or ids["org"])
        ent.attr["birth_year"] = rng.randrange(1780, 1990)
    elif ent.etype == "org":
        ent.rel["headquarters"] = pick(ids["city"])
        ent.rel["founder"] = pick(ids["person"])
        ent.attr["founded_year"] = rng.randrange(1800, 2015)
    elif ent.etype == "work":
        ent.rel["creator"] = pick(ids["person"])
        ent.rel["publisher"] = pick(orgs_by_kind["company"] or ids["org"])
        ent.attr["year"] = rng.randrange(1820, 2020)
    elif ent.etype == "event":
        ent.rel["venue"] = pick(ids["city"])
        ent.rel["organiser"] = pick(ids["org"])
        ent.attr["year"] = rng.randrange(1850, 2024)


def _perturb(twin: Entity, ids: dict[str, list[int]], world: list[Entity], rng: random.Random) -> None:
    """Change exactly one fact of a twin (a relation target of the same type, or a nearby attribute value)."""
    choices = [("rel", r) for r in sorted(twin.rel) if r != "capital"] + [("attr", a) for a in sorted(twin.attr)]
    if not choices:
        return
    what, key = rng.choice(choices)
    if what == "rel":
        pool, current = ids[RELATIONS[key][1]], twin.rel[key]
        for _ in range(64):  # rejection sampling: a target of the same kind, other than the current one
            pick = rng.choice(pool)
            if pick != current and world[pick].kind == world[current].kind:
                twin.rel[key] = pick
                break
    else:
        delta = rng.choice((-3, -2, -1, 1, 2, 3))
        twin.attr[key] += delta * (1000 if key == "population" else 1)


def build_world(seed: int, size: int) -> World:
    """Generate a world of about ``size`` entities. Pure: the same (seed, size) gives the same world."""
    rng = random.Random(f"locogym-wiki-world:{seed}:{size}")
    names = _Names(rng)
    world: list[Entity] = []
    ids: dict[str, list[int]] = {t: [] for t in ("country", "city", "org", "person", "work", "event")}
    counts = _counts(size)
    for etype in ("country", "city", "org", "person", "work", "event"):
        n_twins = counts[etype] // 5 if etype != "country" else 0
        for _ in range(counts[etype] - n_twins):
            ent = _make_entity(names, etype, len(world), rng, ids["city"], world)
            world.append(ent)
            ids[etype].append(ent.eid)
            if etype == "city":
                ent.rel["country"] = rng.choice(ids["country"])
        for orig_id in rng.sample(ids[etype], n_twins):
            twin = make_twin(names, world[orig_id], len(world), rng)
            world.append(twin)
            ids[etype].append(twin.eid)
    relate_all(world, ids, rng, first=0)
    _drop_alias_clashes(world)
    corpus = Corpus(key=f"synthetic:{seed}:{size}", articles=render_articles(world, rng))
    return World(seed=seed, entities=world, corpus=corpus)


def make_twin(names: _Names, orig: Entity, eid: int, rng: random.Random) -> Entity:
    """A near-miss twin of ``orig``: a close name and its own alias; its facts are copied later (see relate_all)."""
    twin = Entity(eid, orig.etype, "", kind=orig.kind, twin_of=orig.eid)
    twin.name = _twin_name(names, orig, rng)
    if orig.etype == "person":
        twin.aliases = (f"{twin.name.split()[0][0]}. {twin.name.split()[-1]}",)
    elif orig.etype == "work":
        twin.aliases = (twin.name[4:],) if twin.name.startswith("The ") else (twin.name.split()[-1],)
    elif orig.etype == "city":
        twin.aliases = (f"{twin.name} City",)
        twin.rel["country"] = orig.rel["country"]
    return twin


def relate_all(world: list[Entity], ids: dict[str, list[int]], rng: random.Random, first: int) -> None:
    """Draw the relations and attributes of the entities from id ``first`` on (targets may be any entity), then
    give each of their twins its original's facts with one changed. Entities before ``first`` are not touched."""
    orgs_by_kind = {k: [i for i in ids["org"] if world[i].kind == k] for k in ORG_KINDS}
    for c in ids["city"]:
        ids.setdefault(f"city-of-{world[c].rel['country']}", []).append(c)
    for etype in ("country", "city", "org", "person", "work", "event"):
        for eid in ids[etype]:
            ent = world[eid]
            if eid >= first and (ent.twin_of is None or etype == "country"):
                _relate(ent, ids, orgs_by_kind, world, rng)
    for ent in world[first:]:  # twins copy their original's facts, then one changes
        if ent.twin_of is not None and ent.etype != "country":
            orig = world[ent.twin_of]
            ent.rel = {**orig.rel, **({"country": ent.rel["country"]} if "country" in ent.rel else {})}
            ent.attr = dict(orig.attr)
            _perturb(ent, ids, world, rng)


def _drop_alias_clashes(world: list[Entity]) -> None:
    """An alias must name one entity only and never equal another entity's name (answers must be unique)."""
    owners: dict[str, list[int]] = {}
    for ent in world:
        owners.setdefault(ent.name.lower(), []).append(ent.eid)
        for alias in ent.aliases:
            owners.setdefault(alias.lower(), []).append(ent.eid)
    for ent in world:
        ent.aliases = tuple(a for a in ent.aliases if len(owners[a.lower()]) == 1)


@functools.lru_cache(maxsize=4)
def world_for(seed: int, size: int) -> World:
    """The cached world of (seed, size): generated once per process."""
    return build_world(seed, size)


# ---------------------------------------------------------------------------------------------------- rendering
def _sentences(ent: Entity, world: list[Entity]) -> list[tuple[str, list[str]]]:
    """The factual sentences of an article, each with the titles it links to."""
    r = {k: world[v] for k, v in ent.rel.items()}
    a = ent.attr
    also = f" (also known as {', '.join(ent.aliases)})" if ent.aliases else ""
    out: list[tuple[str, list[str]]] = []
    if ent.etype == "country":
        out.append((f"{ent.name}{also} is a sovereign country.", []))
        if "capital" in r:
            out.append((f"The capital of {ent.name} is {r['capital'].name}.", [r["capital"].name]))
    elif ent.etype == "city":
        out.append((f"{ent.name}{also} is a city in {r['country'].name}.", [r["country"].name]))
        out.append((f"It has a population of {a['population']:,}.", []))
    elif ent.etype == "person":
        out.append((f"{ent.name}{also} is a {ent.kind} who was born in {r['birthplace'].name} in "
                    f"{a['birth_year']}.", [r["birthplace"].name]))
        out.append((f"{ent.name.split()[0]} studied at {r['alma_mater'].name}.", [r["alma_mater"].name]))
        out.append((f"Later {ent.name.split()[-1]} worked at {r['employer'].name}.", [r["employer"].name]))
    elif ent.etype == "org":
        out.append((f"{ent.name}{also} is a {ent.kind} founded in {a['founded_year']} by {r['founder'].name}.",
                    [r["founder"].name]))
        out.append((f"It is headquartered in {r['headquarters'].name}.", [r["headquarters"].name]))
    elif ent.etype == "work":
        verb = WORK_KINDS[ent.kind]
        out.append((f"{ent.name}{also} is a {a['year']} {ent.kind} {verb} by {r['creator'].name}.",
                    [r["creator"].name]))
        out.append((f"It was published by {r['publisher'].name}.", [r["publisher"].name]))
    else:
        out.append((f"{ent.name}{also} was held in {r['venue'].name} in {a['year']}.", [r["venue"].name]))
        out.append((f"It was organised by {r['organiser'].name}.", [r["organiser"].name]))
    return out


def _back_mentions(world: list[Entity]) -> dict[int, list[tuple[str, str]]]:
    """For each entity, a few (sentence, linked title) mentions of entities that point at it (reverse links)."""
    phrases = {"founder": "{s} founded {t}.", "creator": "{s} created {t}.", "headquarters": "{t} is based here.",
               "venue": "{t} took place here.", "birthplace": "{t} was born here."}
    back: dict[int, list[tuple[str, str]]] = {}
    for ent in world:
        for rel, target in sorted(ent.rel.items()):
            if rel in phrases and len(back.setdefault(target, [])) < 4:
                back[target].append((phrases[rel].format(s=world[target].name.split()[-1], t=ent.name), ent.name))
    return back


def render_articles(world: list[Entity], rng: random.Random, first: int = 0) -> list[Article]:
    """Articles with facts, reverse mentions and filler prose; a twin's article points to its original.

    Only the entities from id ``first`` on are rendered (a grown world keeps the articles it had, unchanged).
    """
    back = _back_mentions(world)
    arts: list[Article] = []
    for ent in world[first:]:
        parts: list[str] = []
        links: dict[str, None] = {}
        for sentence, targets in _sentences(ent, world):
            parts.append(sentence)
            links.update(dict.fromkeys(targets))
        ftype = ent.etype
        templates = FILLER[ftype]
        for template in rng.sample(templates, len(templates)):
            parts.append(template.format(n=ent.name, a=rng.choice(FILLER_WORDS), b=rng.choice(FILLER_WORDS)))
        for sentence, target in back.get(ent.eid, []):
            parts.append(sentence)
            links[target] = None
        if ent.twin_of is not None:
            orig = world[ent.twin_of].name
            parts.append(f"Not to be confused with {orig}.")
            links[orig] = None
        arts.append(Article(title=ent.name, text=" ".join(parts), links=tuple(links), aliases=ent.aliases))
    return arts
