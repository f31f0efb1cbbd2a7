"""Load and validate checklist files; errors name the file and the field."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from checklists.models import Checklist, DecisionAid, RestrictionCodes, Scenario, Standard

DATA_DIR = Path(__file__).parent / "data"
_ADAPTER: TypeAdapter[Checklist] = TypeAdapter(Checklist)
_KIND_MODELS = {
    "scenario": Scenario,
    "standard": Standard,
    "restrictions": RestrictionCodes,
    "decision_aid": DecisionAid,
}


class ChecklistError(ValueError):
    """A checklist file that cannot be used, with the file and field named."""


def _format_errors(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(file)"
        parts.append(f"{name}: {loc}: {err['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> Checklist:
    """Parse and validate one checklist file."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ChecklistError(f"{path}: no such file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChecklistError(f"{path.name}: not valid TOML: {exc}") from exc
    return validate(data, path.name)


def validate(data: object, name: str) -> Checklist:
    """Validate one checklist definition (parsed TOML, or JSON pulled from the central store);
    ``name`` says where it came from in the error."""
    kind = data.get("kind") if isinstance(data, dict) else None
    model = _KIND_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        allowed = ", ".join(_KIND_MODELS)
        raise ChecklistError(f"{name}: kind: must be one of {allowed} (got {kind!r})")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(_format_errors(name, exc)) from exc


@dataclass
class Library:
    """Every version of every checklist, looked up by id and version."""

    by_key: dict[tuple[str, int], Checklist] = field(default_factory=dict)

    def add(self, checklist: Checklist, source: str = "") -> None:
        key = (checklist.id, checklist.version)
        if key in self.by_key and self.by_key[key] != checklist:
            raise ChecklistError(f"{source}: {checklist.id} version {checklist.version} defined twice")
        self.by_key[key] = checklist

    def get(self, checklist_id: str, version: int | None = None) -> Checklist | None:
        if version is not None:
            return self.by_key.get((checklist_id, version))
        versions = [v for (i, v) in self.by_key if i == checklist_id]
        return self.by_key[(checklist_id, max(versions))] if versions else None

    def latest(self) -> list[Checklist]:
        """The newest version of each checklist, sorted by kind then id."""
        ids = sorted({i for (i, _) in self.by_key})
        found = [self.get(i) for i in ids]
        return sorted((c for c in found if c), key=lambda c: (c.kind, c.id))

    def scenarios(self) -> list[Scenario]:
        return [c for c in self.latest() if isinstance(c, Scenario)]

    def standards(self) -> list[Standard]:
        return [c for c in self.latest() if isinstance(c, Standard)]

    def restriction_codes(self) -> RestrictionCodes:
        found = [c for c in self.latest() if isinstance(c, RestrictionCodes)]
        if not found:
            raise ChecklistError("no restriction codes file loaded")
        return found[0]

    def decision_aid(self) -> DecisionAid | None:
        found = [c for c in self.latest() if isinstance(c, DecisionAid)]
        return found[0] if found else None


def load_library(*extra_dirs: Path) -> Library:
    """The shipped checklists plus any files in ``extra_dirs`` (a provider's own)."""
    library = Library()
    for directory in (DATA_DIR, *extra_dirs):
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.toml")):
            library.add(load_file(path), source=path.name)
    return library


_SHIPPED: Library | None = None


def shipped_library() -> Library:
    """The shipped checklists, loaded once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = load_library()
    return _SHIPPED
