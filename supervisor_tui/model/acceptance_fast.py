"""A quick, exact "accepted" for bodies already in a laptop's normal form (the common case).

``acceptance.body_problems`` validates a body with its pydantic model, derives its fields, dumps
the model and compares the dump with the body: about 15 µs a body, on every pushed, pulled and
verified record. ``fast_accepts`` answers True only when that check would find nothing, in one
walk that is also the size-and-shape check (``limits.shape_problem``). It is *compiled from the
same models* (their field types and constraints, their after-validators) and runs the same
``rules.derive``, so no rule is written twice; a model using anything the compiler does not know
gets no quick path. False means only "not sure": the caller runs the full check, which gives the
reasons. What makes it exact (``tests/test_acceptance_fast.py`` checks it against the full
check on real and hostile bodies):

* every value must already be what validation would leave it: a string with nothing to strip,
  within its length and pattern; an ``int`` (never a ``bool``) within its bounds and
  +/-(2**53-1); a ``bool``; a date as ``YYYY-MM-DD``; a literal exactly; no ``None`` anywhere
  (a dump leaves ``None`` out); no unknown field; every field that has a default present (a
  dump writes it);
* nested models and lists are handed to the after-validators and ``derive`` read-only, so the
  fields ``derive`` (re)sets are the only ones to compare with the body, type for type;
* its size (compact sorted JSON, ``orjson``: the bytes ``normal_json`` gives on such values) is
  within ``MAX_BODY_BYTES``; its depth and number of values are bounded by the model (lists
  without a maximum are taken only up to ``_LIST_CAP`` items here).
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import types
import typing
from collections.abc import Callable
from typing import Any

import annotated_types
import orjson
from pydantic import BaseModel
from pydantic.functional_validators import BeforeValidator
from pydantic.types import Strict, StringConstraints

from supervisor_tui.model import records
from supervisor_tui.model.limits import MAX_BODY_BYTES, MAX_BODY_DEPTH, MAX_BODY_NODES, MAX_STRING
from supervisor_tui.model.rules import derive

_SAFE = 2**53 - 1
_LIST_CAP = 100  # items of a list whose model sets no maximum (more: the full check decides)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _No(Exception):
    """This value is not (certainly) in normal form."""


class _Unsupported(Exception):
    """A model uses something the compiler does not know: no quick path for it."""


# A checker takes a JSON value and returns what the model would hold (raising _No), with its
# maximum depth and number of values.
Checker = Callable[[Any], Any]


_UNSET = object()


def _string(meta: list[Any]) -> tuple[Checker, int, int]:
    low, high, pattern = 0, MAX_STRING, None
    for m in meta:
        if isinstance(m, StringConstraints):
            if m.to_upper or m.to_lower or m.ascii_only:
                raise _Unsupported(m)
            low = max(low, m.min_length or 0)
            high = min(high, m.max_length if m.max_length is not None else high)
            if m.pattern is not None:
                if pattern is not None:
                    raise _Unsupported(m)
                pattern = re.compile(m.pattern if isinstance(m.pattern, str) else m.pattern.pattern)
        elif isinstance(m, annotated_types.MinLen):
            low = max(low, m.min_length)
        elif isinstance(m, annotated_types.MaxLen):
            high = min(high, m.max_length)
        elif not isinstance(m, Strict):
            raise _Unsupported(m)
    search = pattern.search if pattern is not None else None

    def check(v: Any) -> Any:
        # stripped already (Python's whitespace includes every character pydantic strips)
        if type(v) is not str or not low <= len(v) <= high or v != v.strip():
            raise _No
        if search is not None and search(v) is None:
            raise _No
        return v

    def inline(i: int) -> tuple[list[str], dict[str, Any]]:
        lines = [f"if type(v) is not str or not lo{i} <= len(v) <= hi{i} or v != v.strip():", "    raise _No"]
        if search is not None:
            lines += [f"if pat{i}(v) is None:", "    raise _No"]
        return lines, {f"lo{i}": low, f"hi{i}": high, f"pat{i}": search}

    check.inline = inline  # type: ignore[attr-defined]
    return check, 1, 1


def _integer(meta: list[Any]) -> tuple[Checker, int, int]:
    low, high = -_SAFE, _SAFE
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            low = max(low, m.ge)
        elif isinstance(m, annotated_types.Gt):
            low = max(low, m.gt + 1)
        elif isinstance(m, annotated_types.Le):
            high = min(high, m.le)
        elif isinstance(m, annotated_types.Lt):
            high = min(high, m.lt - 1)
        elif not isinstance(m, Strict):
            raise _Unsupported(m)

    def check(v: Any) -> Any:
        if type(v) is not int or not low <= v <= high:
            raise _No
        return v

    def inline(i: int) -> tuple[list[str], dict[str, Any]]:
        return ([f"if type(v) is not int or not lo{i} <= v <= hi{i}:", "    raise _No"],
                {f"lo{i}": low, f"hi{i}": high})

    check.inline = inline  # type: ignore[attr-defined]
    return check, 1, 1


def _boolean(v: Any) -> Any:
    if type(v) is not bool:
        raise _No
    return v


_boolean.inline = lambda i: (["if type(v) is not bool:", "    raise _No"], {})  # type: ignore[attr-defined]


def _date(v: Any) -> Any:
    if type(v) is not str or not _DATE.fullmatch(v):
        raise _No
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise _No from None


def _literal(values: tuple[Any, ...], meta: list[Any]) -> tuple[Checker, int, int]:
    if meta or not all(type(v) is str for v in values):
        raise _Unsupported(values)
    allowed = frozenset(values)

    def check(v: Any) -> Any:
        if type(v) is not str or v not in allowed:
            raise _No
        return v

    def inline(i: int) -> tuple[list[str], dict[str, Any]]:
        return [f"if type(v) is not str or v not in allowed{i}:", "    raise _No"], {f"allowed{i}": allowed}

    check.inline = inline  # type: ignore[attr-defined]
    return check, 1, 1


def _list(item: Any, meta: list[Any], frozen: bool) -> tuple[Checker, int, int]:
    low, high = 0, _LIST_CAP
    for m in meta:
        if isinstance(m, annotated_types.MinLen):
            low = max(low, m.min_length)
        elif isinstance(m, annotated_types.MaxLen):
            high = m.max_length
        else:
            raise _Unsupported(m)
    each, depth, nodes = _compile(item, [], frozen=True)
    build = tuple if frozen else list  # nested: read-only; a top-level list is checked after derive

    def check(v: Any) -> Any:
        if type(v) is not list or not low <= len(v) <= high:
            raise _No
        return build([each(x) for x in v])

    return check, depth + 1, 1 + high * nodes


def _compile(tp: Any, meta: list[Any], frozen: bool) -> tuple[Checker, int, int]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *more = typing.get_args(tp)
        return _compile(base, meta + more, frozen)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise _Unsupported(tp)
        return _compile(args[0], meta, frozen)  # None itself is never in normal form
    if origin is typing.Literal:
        return _literal(typing.get_args(tp), meta)
    if origin is list:
        (item,) = typing.get_args(tp)
        return _list(item, meta, frozen)
    if tp is str:
        return _string(meta)
    if tp is int:
        return _integer(meta)
    if tp is bool and all(isinstance(m, Strict) for m in meta):
        return _boolean, 1, 1
    if tp is dt.date and len(meta) == 1 and isinstance(meta[0], BeforeValidator) and meta[0].func is records._iso_date:
        return _date, 1, 1
    if isinstance(tp, type) and issubclass(tp, BaseModel) and not meta:
        model = _model(tp, read_only=True)
        return model.check, model.depth, model.nodes
    raise _Unsupported(tp)


class _Model:
    """The compiled checker of one model: its fields, the fields a dump always writes, its
    after-validators."""

    def __init__(self, cls: type[BaseModel], read_only: bool):
        if cls.model_config.get("extra") != "forbid":
            raise _Unsupported(cls)
        decorators = cls.__pydantic_decorators__
        if (decorators.field_validators or decorators.validators or decorators.root_validators
                or decorators.field_serializers or decorators.model_serializers or decorators.computed_fields):
            raise _Unsupported(cls)
        self.validators = []
        for decorator in decorators.model_validators.values():
            if decorator.info.mode != "after":
                raise _Unsupported(cls)
            self.validators.append(decorator.func)
        self.fields: dict[str, Checker] = {}
        self.always: set[str] = set()
        self.depth, self.nodes = 1, 1
        for name, info in cls.model_fields.items():
            if (info.alias not in (None, name) or info.validation_alias not in (None, name)
                    or info.serialization_alias not in (None, name) or info.exclude):
                raise _Unsupported(name)
            check, depth, nodes = _compile(info.annotation, list(info.metadata), frozen=read_only)
            self.fields[name] = check
            self.depth = max(self.depth, depth + 1)
            self.nodes += nodes
            if info.is_required() or info.default is not None or info.default_factory is not None:
                self.always.add(name)  # a dump writes it: a normal body has it
        self.check = self._generate(cls.__name__, read_only)

    def _generate(self, name: str, read_only: bool) -> Checker:
        """One straight-line function per model (a loop over the fields costs twice as much):
        each field looked up, checked, counted; unknown fields make the count differ."""
        lines = ["def check(body):", "    if type(body) is not dict:", "        raise _No", "    n = 0"]
        consts: dict[str, Any] = {}
        for i, (field, check) in enumerate(self.fields.items()):
            lines += [f"    v = body.get({field!r}, _UNSET)", "    if v is _UNSET:",
                      "        raise _No" if field in self.always else f"        f{i} = None",
                      "    elif v is None:", "        raise _No", "    else:", "        n += 1"]
            inline = getattr(check, "inline", None)
            if inline is None:
                lines.append(f"        f{i} = c[{i}](v)")
            else:  # the scalar checks written out: a call per value costs more than the check
                code, more = inline(i)
                lines += ["        " + line for line in code] + [f"        f{i} = v"]
                consts.update(more)
        lines += ["    if len(body) != n:", "        raise _No"]
        values = ", ".join(f"f{i}" for i in range(len(self.fields)))
        named = ", ".join(f"{field}=f{i}" for i, field in enumerate(self.fields))
        lines.append(f"    held = Held({values})" if read_only else f"    held = Held({named})")
        lines += ["    for validator in validators:", "        try:", "            same = validator(held) is held",
                  "        except Exception:", "            raise _No from None", "        if not same:",
                  "            raise _No", "    return held"]
        if read_only:  # nested: immutable, so derive cannot change what was compared
            try:
                held = collections.namedtuple(f"{name}Held", list(self.fields))
            except ValueError as exc:
                raise _Unsupported(name) from exc
        else:
            held = types.SimpleNamespace
        scope = {"_No": _No, "_UNSET": _UNSET, "c": list(self.fields.values()), "Held": held,
                 "validators": tuple(self.validators), **consts}
        exec("\n".join(lines), scope)  # noqa: S102 - code built here from field names only
        return scope["check"]


_MODELS: dict[tuple[type[BaseModel], bool], _Model] = {}


def _model(cls: type[BaseModel], read_only: bool) -> _Model:
    key = (cls, read_only)
    if key not in _MODELS:
        _MODELS[key] = _Model(cls, read_only)
    return _MODELS[key]


_TOP: dict[tuple[str, int], _Model | None] = {}


def top_model(kind: str, schema: int) -> _Model | None:
    """The compiled top-level checker of (kind, schema), None when it has no quick path
    (amendments: they depend on a held record; a model the compiler does not know)."""
    key = (kind, schema)
    if key not in _TOP:
        cls = records.body_model(kind, schema)
        if cls is None:  # not cached: a hostile record's made-up kinds must not grow the cache
            return None
        model = None
        if kind != "amendment":
            try:
                model = _model(cls, read_only=False)
            except _Unsupported:
                model = None
            if model is not None and (model.depth > MAX_BODY_DEPTH or model.nodes > MAX_BODY_NODES):
                model = None
        _TOP[key] = model
    return _TOP[key]


def _same(derived: Any, signed: Any) -> bool:
    """A field ``derive`` set equals the signed value, type for type (JSON scalars and lists)."""
    if type(derived) in (list, tuple):
        return (type(signed) is list and len(signed) == len(derived)
                and all(_same(a, b) for a, b in zip(derived, signed, strict=True)))
    if type(derived) not in (str, int, bool):
        return False
    return type(derived) is type(signed) and derived == signed


def fast_accepts(kind: Any, schema: Any, body: Any, library: Any) -> bool:
    """True only when ``acceptance.body_problems(kind, schema, body, ...)`` would return no
    problem (and ``limits.shape_problem(body)`` None); False: run the full check."""
    if type(kind) is not str or type(schema) is not int or type(body) is not dict:
        return False
    model = top_model(kind, schema)
    if model is None:
        return False
    try:
        held = model.check(body)
    except _No:
        return False
    before = dict(vars(held))
    lists = {name: list(value) for name, value in before.items() if type(value) is list}
    try:
        if derive(kind, held, library):
            return False
    except Exception:  # noqa: BLE001 - e.g. it tried to change a nested value: the full check decides
        return False
    for name, value in vars(held).items():
        if value is before.get(name, _UNSET) and name in lists:
            kept = lists[name]  # the same list: changed in place? (its items are immutable)
            if len(value) != len(kept) or any(a is not b for a, b in zip(value, kept, strict=True)):
                return False
        elif value is not before.get(name, _UNSET):
            if value is None:
                if name in body:
                    return False
            elif name not in body or not _same(value, body[name]):
                return False
    try:
        encoded = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)  # refuses lone surrogates
    except orjson.JSONEncodeError:
        return False
    return len(encoded) <= MAX_BODY_BYTES
