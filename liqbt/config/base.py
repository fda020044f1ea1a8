"""Frozen, validated config objects and one-line error messages for them."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError

__all__ = ["FrozenModel", "validate_section", "format_validation_error"]


class FrozenModel(BaseModel):
    """Base of every config object: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _walk(model: type[BaseModel] | None, data: Any, loc: tuple) -> tuple[tuple, type[BaseModel] | None]:
    """The YAML path of ``loc`` (without pydantic's union tags) and the model found there."""
    shown: list = []
    annotation: Any = model
    current_data = data
    for part in loc:
        if isinstance(part, int):
            shown.append(part)
            ok = isinstance(current_data, (list, tuple)) and part < len(current_data)
            current_data = current_data[part] if ok else None
            continue
        if isinstance(current_data, dict) and part not in current_data and current_data.get("format") == part:
            annotation = _member_with_format(annotation, part) or annotation
            continue  # a discriminated union's tag, not a key the user wrote
        shown.append(part)
        fields = getattr(_first_model(annotation), "model_fields", None) or {}
        annotation = fields[part].annotation if part in fields else None
        current_data = current_data.get(part) if isinstance(current_data, dict) else None
    return tuple(shown), _first_model(annotation)


def _first_model(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _members(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _members(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and hasattr(annotation, "__metadata__"):
        yield from _members(origin)


def _member_with_format(annotation, tag) -> type[BaseModel] | None:
    """The member of a tagged union whose ``format`` literal is ``tag``."""
    for member in _members(annotation):
        fmt = member.model_fields.get("format")
        if fmt is not None and tag in (getattr(fmt.annotation, "__args__", ()) or ()):
            return member
    return None


def _path_text(prefix: str, shown: tuple) -> str:
    path = prefix
    for part in shown:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def format_validation_error(exc: ValidationError, model: type[BaseModel], source: str, prefix: str = "",
                            data: Any = None) -> str:
    """One line: ``file: yaml.path: expected ..., found ...`` for each problem."""
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    lines = []
    for error, loc in zip(errors, locs):
        kind = error["type"]
        # a container's "too short" after its items failed is noise
        if kind in ("too_short",) and any(other[: len(loc)] == loc and other != loc for other in locs):
            continue
        container_loc = loc[:-1] if kind == "extra_forbidden" else loc
        shown, found_model = _walk(model, data, container_loc)
        if kind == "extra_forbidden":
            key = loc[-1]
            shown = shown + (key,)
            known = list(getattr(found_model, "model_fields", {}) or {})
            hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            message = f"unknown key '{key}'"
            message += f"; did you mean '{hint[0]}'?" if hint else (f"; expected one of {known}" if known else "")
        elif kind == "missing":
            message = "required key is missing"
        else:
            found = error.get("input")
            message = error["msg"].removeprefix("Value error, ")  # our own validators' words suffice
            if not isinstance(found, (dict, list, tuple)) and f"found {found!r}" not in message:
                message += f"; found {found!r}"
        path = _path_text(prefix, shown)
        lines.append(f"{path}: {message}" if path else message)
    return f"{source}: " + "; ".join(lines)


def validate_section(model: type[BaseModel], data: Any, source: str, prefix: str = ""):
    """Build ``model`` from ``data`` or raise :class:`ConfigError` with YAML paths."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, model, source, prefix, data)) from None
