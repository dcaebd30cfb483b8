"""The two programs of the differential oracle that run in the grading sandbox (``python3 -c`` sources).

Both start with the sealed channel (:data:`~locogym.scenarios.defects.sealed.CHANNEL_SETUP`) and share
:data:`PLAIN`, the canonical plain form of a value:

* exact builtin types become tagged lists of plain data (``["int", "5"]``, ``["list", [...]]``); dictionaries
  and sets are sorted, so their order does not matter, and floats compare by ``repr`` (``nan`` equals itself);
* any other object — a subclass of a builtin type, an instance of the project's own classes — becomes its
  type's qualified name, its builtin value read through the builtin's own methods, and its attributes, each in
  plain form (an object with neither, such as a ``datetime``, by its ``repr``). Its own ``__eq__`` and
  ``__hash__`` are never called, so an always-equal object is just an object of another type;
* iterators are drained (up to a bound), exceptions become their type's name, and a form larger than
  ``MAX_FORM`` characters becomes its digest.

:data:`REFERENCE` runs on the pristine project before any of the agent's code has been written into the
sandbox: it puts the original function's code in place of the defective one, runs the defect's tests to
capture (pickles of) the arguments the function receives, derives nearby inputs, and reports each input with
the original's and the defective function's plain answers. :data:`PATCHED` runs later, in a process of its own
on the patched project: it receives only the inputs, calls the function at the target's name on each, and
reports its plain answers. The grader compares the two reports; neither process can see the other's results.
"""

from __future__ import annotations

from locogym.scenarios.defects.sealed import CHANNEL_SETUP

PLAIN = r"""
import base64, hashlib, itertools, json, pickle, random, re, signal, sys

sys.set_int_max_str_digits(0)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MAX_NODES, MAX_DEPTH, MAX_ITEMS, MAX_FORM = 20000, 40, 2000, 4000
_SCALARS = {int: lambda v: ["int", str(v)], complex: lambda v: ["complex", repr(v)],
            str: lambda v: ["str", v], float: lambda v: ["float", "0.0" if v == 0 else repr(v)],
            bytes: lambda v: ["bytes", v.hex()],
            bytearray: lambda v: ["bytearray", bytes(v).hex()]}
_BASE_VALUE = ((bool, bool), (int, int.__int__), (float, float.__float__), (complex, complex.__complex__),
               (str, str.__str__), (bytes, bytes.__bytes__), (bytearray, bytearray),
               (tuple, lambda v: tuple(tuple.__iter__(v))), (list, lambda v: list(list.__iter__(v))),
               (dict, lambda v: dict(dict.items(v))), (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
               (set, lambda v: set(set.__iter__(v))))


class _Late(BaseException):
    pass


def _alarm(signum, frame):
    raise _Late()


def _type_name(kind):
    return "%s.%s" % (getattr(kind, "__module__", "?"), getattr(kind, "__qualname__", "?"))


def _order(form):
    return json.dumps(form, sort_keys=True)


def plain(value):
    return _plain(value, [MAX_NODES], set(), 0)


def _plain(v, budget, stack, depth):
    budget[0] -= 1
    if budget[0] < 0:
        return ["cut"]
    if depth > MAX_DEPTH:
        return ["deep"]
    kind = type(v)
    if v is None or kind is bool:
        return v
    if kind in _SCALARS:
        return _SCALARS[kind](v)
    if id(v) in stack:
        return ["cycle"]
    stack.add(id(v))
    try:
        return _container(v, kind, budget, stack, depth + 1)
    finally:
        stack.discard(id(v))


def _container(v, kind, budget, stack, depth):
    def inner(x):
        return _plain(x, budget, stack, depth)
    if kind is list or kind is tuple:
        return [kind.__name__, [inner(x) for x in v]]
    if kind is dict:
        return ["dict", sorted(([inner(k), inner(x)] for k, x in v.items()), key=_order)]
    if kind is set or kind is frozenset:
        return [kind.__name__, sorted((inner(x) for x in v), key=_order)]
    return _object(v, kind, inner)


def _object(v, kind, inner):
    if isinstance(v, BaseException):
        return ["exception", _type_name(kind), inner(tuple(BaseException.__dict__["args"].__get__(v)))]
    if isinstance(v, type):
        return ["class", _type_name(v)]
    if kind.__name__ in ("function", "builtin_function_or_method", "method", "module"):
        return ["ref", kind.__name__, getattr(v, "__module__", None) or "", getattr(v, "__qualname__", "")
                or getattr(v, "__name__", "")]
    base = next((convert for builtin, convert in _BASE_VALUE if isinstance(v, builtin)), None)
    if base is None and hasattr(kind, "__next__"):
        return ["iterator", _type_name(kind), _drain(v, inner)]
    attrs = _attributes(v, kind)
    if base is None and not attrs:
        shown = object.__repr__(v) if kind.__repr__ is object.__repr__ else repr(v)
        return ["repr", _type_name(kind), _ADDRESS.sub("", shown)[:MAX_FORM]]
    value = inner(base(v)) if base is not None else None
    fields = sorted(([name, inner(x)] for name, x in (attrs or {}).items()), key=_order)
    return ["object", _type_name(kind), value, fields]


def _attributes(v, kind):
    found = None
    try:
        found = dict(object.__getattribute__(v, "__dict__"))
    except BaseException:
        pass
    for klass in kind.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name in ("__dict__", "__weakref__"):
                continue
            try:
                value = object.__getattribute__(v, name)
            except BaseException:
                continue
            found = {} if found is None else found
            found[name] = value
    return found


def _drain(v, inner):
    items = []
    try:
        for item in itertools.islice(v, MAX_ITEMS):
            items.append(inner(item))
    except _Late:
        raise
    except BaseException as exc:
        items.append(["raised", _type_name(type(exc))])
    return items


def final(form):
    text = _order(form)
    return form if len(text) <= MAX_FORM else ["digest", hashlib.sha256(text.encode()).hexdigest()]


def call(fn, blob, limit):
    # unpickle a fresh copy of the input, call, and put the answer in plain form, all under the time limit
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        args, kwargs = pickle.loads(blob)
        result = fn(*args, **kwargs)
        return final(["return", plain(result), plain(args), plain(kwargs)])
    except _Late:
        return ["timeout"]
    except BaseException as exc:
        return ["raise", _type_name(type(exc))]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def resolve(module, qualname, unwrap):
    obj = module
    for part in qualname.split("."):
        obj = vars(obj)[part] if part in vars(obj) else getattr(obj, part)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    while unwrap and hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    return obj
"""

REFERENCE = CHANNEL_SETUP + PLAIN + r"""
def _bind(frame):
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    names = code.co_varnames[:count]
    local = frame.f_locals
    args = [local[n] for n in names[:code.co_argcount]]
    kwargs = {n: local[n] for n in names[code.co_argcount:]}
    extra = count
    if code.co_flags & 0x04:
        args += list(local[code.co_varnames[extra]])
        extra += 1
    if code.co_flags & 0x08:
        kwargs.update(local[code.co_varnames[extra]])
    return args, kwargs


def _install(t):
    import importlib
    try:
        module = importlib.import_module(t["module"])
        fn = resolve(module, t["qualname"], t["decorated"])
        name = t["qualname"].split(".")[-1]
        original, defective = ({**fn.__globals__} for _ in range(2))
        exec(compile(t["original"], fn.__code__.co_filename, "exec"), original)
        exec(compile(t["defective"], fn.__code__.co_filename, "exec"), defective)
        if fn.__code__.co_freevars or original[name].__code__.co_freevars:
            return "the function has a closure"
        fn.__code__, fn.__defaults__ = original[name].__code__, original[name].__defaults__
        fn.__kwdefaults__ = original[name].__kwdefaults__
        return fn, defective[name]
    except BaseException as exc:
        return "the original could not be put in place (%s)" % type(exc).__name__


def _variants(value):
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2, -value, 0, value + 7]
    if isinstance(value, float):
        return [value + 0.5, value * 2, -value, 0.0]
    if isinstance(value, str):
        return ["", value + "x", value[::-1], value[:-1], value.upper(), value + value]
    if isinstance(value, (list, tuple)):
        kind = type(value)
        out = [kind(), kind(value[:-1]), kind(list(value) + list(value[:1])), kind(list(reversed(value)))]
        if value:
            out += [kind([v] + list(value[1:])) for v in _variants(value[0])[:2]]
        return out
    if isinstance(value, dict):
        return [{}, dict(list(value.items())[:-1])] if value else []
    if isinstance(value, (set, frozenset)):
        return [type(value)(), type(value)(list(value)[:-1])] if value else []
    return []


def _mutations(blob, skip_first):
    args, kwargs = pickle.loads(blob)
    out = []
    for i in range(1 if skip_first else 0, len(args)):
        out += [([*args[:i], v, *args[i + 1:]], kwargs) for v in _variants(args[i])]
    for key in kwargs:
        out += [(args, {**kwargs, key: v}) for v in _variants(kwargs[key])]
    blobs = []
    for value in out:
        try:
            blobs.append(pickle.dumps(value, protocol=4))
        except BaseException:
            pass
    return blobs


def _shown(qualname, blob):
    args, kwargs = pickle.loads(blob)
    words = [_ADDRESS.sub("", repr(a))[:80] for a in args]
    words += ["%s=%s" % (k, _ADDRESS.sub("", repr(v))[:80]) for k, v in kwargs.items()]
    return "%s(%s)" % (qualname, ", ".join(words))


def _judge(t, state, blobs, request):
    out = {"id": t["id"], "reason": "", "captured": len(blobs), "inputs": []}
    if isinstance(state, str):
        out["reason"] = state
        return out
    if not blobs:
        out["reason"] = "no call of the function was observed in its tests"
        return out
    fn, defective = state
    method = "." in t["qualname"] and fn.__code__.co_varnames[:1] in (("self",), ("cls",))
    mutated = list(dict.fromkeys(m for b in blobs for m in _mutations(b, method) if m not in blobs))
    random.Random(t["seed"]).shuffle(mutated)
    limit = request["call_timeout"]
    plan = [("test", b) for b in blobs] + [("mutated", b) for b in mutated[:request["max_inputs"]]]
    for origin, blob in plan:
        first = call(fn, blob, limit)
        if first[0] == "timeout" or first != call(fn, blob, limit):
            continue
        out["inputs"].append({"data": base64.b64encode(blob).decode("ascii"), "origin": origin,
                              "expect": first, "revealing": call(defective, blob, limit) != first,
                              "shown": _shown(t["qualname"], blob)})
    return out


def _reference():
    request, emit = _open_channel()
    import pytest
    targets = request["targets"]
    captured = {t["id"]: [] for t in targets}
    codes, installed = {}, {}

    def profiler(frame, event, arg):
        found = codes.get(frame.f_code) if event == "call" else None
        if found is None or len(captured[found]) >= request["max_captured"]:
            return
        try:
            blob = pickle.dumps(_bind(frame), protocol=4)
        except BaseException:
            return
        if len(blob) <= request["max_input_bytes"] and blob not in captured[found]:
            captured[found].append(blob)

    class Capture:
        def pytest_collection_finish(self, session):
            for t in targets:
                installed[t["id"]] = _install(t)
                if not isinstance(installed[t["id"]], str):
                    codes[installed[t["id"]][0].__code__] = t["id"]

        def pytest_runtest_logstart(self, nodeid, location):
            sys.setprofile(profiler)

        def pytest_runtest_logfinish(self, nodeid, location):
            sys.setprofile(None)

    pytest.main(["-p", "no:cacheprovider", "-q", *request["args"], *request["tests"]], plugins=[Capture()])
    sys.setprofile(None)
    signal.signal(signal.SIGALRM, _alarm)
    for t in targets:
        state = installed.get(t["id"], "the tests did not load its module")
        emit("target", json.dumps(_judge(t, state, captured[t["id"]], request)))

_reference()
"""

PATCHED = CHANNEL_SETUP + PLAIN + r"""
def _patched():
    request, emit = _open_channel()
    import importlib
    signal.signal(signal.SIGALRM, _alarm)
    for t in request["targets"]:
        try:
            fn = resolve(importlib.import_module(t["module"]), t["qualname"], t["decorated"])
        except BaseException as exc:
            emit("missing", t["id"], type(exc).__name__)
            continue
        for i, data in enumerate(t["inputs"]):
            blob = base64.b64decode(data)
            got = call(fn, blob, request["call_timeout"])
            if got[0] == "timeout":  # a loaded machine is no wrong patch; one slow with room to spare is
                got = call(fn, blob, request["call_timeout"] * 5)
            emit("answer", t["id"], str(i), json.dumps(got, separators=(",", ":")))

_patched()
"""
