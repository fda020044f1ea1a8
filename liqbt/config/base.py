"""Frozen, validated config objects and one-line error messages for them.

Every config model derives from :class:`FrozenModel`, the single gate: a YAML
section goes through :func:`validate_section` (messages start with the file and
the YAML path), a Python constructor (``HeatmapModel(window="1m")``) through
:meth:`FrozenModel.__init__` (messages start with the model's
:attr:`~FrozenModel.config_key`, ``heatmap.window: ...``). Both raise
:class:`~liqbt.errors.ConfigError`, never pydantic's ``ValidationError``.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError

__all__ = ["FrozenModel", "Duration", "validate_section", "format_validation_error", "error_lines", "one_line",
           "override"]


class FrozenModel(BaseModel):
    """Base of every config object: immutable, unknown keys are errors (with the closest known key).

    Class attributes
    ----------------
    config_key : str
        Where the model sits in a config file (``"heatmap"``, ``"backtest"``,
        ``"evaluation.walk_forward"``); the path prefix of the errors of its
        Python constructor. Empty for the whole file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    config_key: ClassVar[str] = ""

    def __init__(self, /, **data: Any):
        # model_validate (the YAML path) does not come through here; keyword construction from Python does
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(one_line(exc, type(self), type(self).config_key, data)) from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False):
        """A copy; ``update`` (field -> value, or dotted paths) is validated through :func:`override`.

        pydantic's own ``model_copy(update=...)`` skips validation, which would let a frozen config
        hold a value no constructor accepts (and a duration its parsed span does not match).
        """
        if not update:
            return super().model_copy(deep=deep)
        return override(self, update, type(self).config_key)

    # pydantic calls a model's own __init__ when it validates the model nested in another one; this one only
    # translates errors, so nested validation keeps pydantic's errors (and their YAML paths) as RootModel does
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Duration(str):
    """A duration as written in a config (``"7d"``), with its value parsed once at validation.

    It is the text everywhere the text matters: it compares, hashes, prints and
    dumps (``model_dump``, JSON, the results store's config hash) exactly as the
    string the user wrote, so configs and store keys do not change. Code that
    needs the span reads :attr:`delta` instead of parsing the text again.

    Parameters
    ----------
    text : str
        The duration as written.
    delta : pandas.Timedelta or None
        Its value; None for a duration that is not a span (``"all"``).
    """

    def __new__(cls, text: str, delta: Any = None):
        self = super().__new__(cls, text)
        self.delta = delta
        return self

    def __reduce__(self):
        # pickled (Ray workers, multiprocessing) with its parsed value
        return (type(self), (str(self), self.delta))


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
        value = _dict_value(annotation)
        if value is not None and isinstance(current_data, dict) and part in current_data:
            # a key of a mapping (heatmaps.<name>, data.venues.<name>): walk on into its value's model
            annotation, current_data = value, current_data[part]
            continue
        fields = getattr(_first_model(annotation), "model_fields", None) or {}
        annotation = fields[part].annotation if part in fields else None
        current_data = current_data.get(part) if isinstance(current_data, dict) else None
    return tuple(shown), _first_model(annotation)


def _dict_value(annotation):
    """The value type of ``dict[K, V]`` (or of a union holding one, ``dict[K, V] | None``); None otherwise."""
    if getattr(annotation, "__origin__", None) is dict:
        return annotation.__args__[1]
    for arg in getattr(annotation, "__args__", ()) or ():
        if getattr(arg, "__origin__", None) is dict:
            return arg.__args__[1]
    return None


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


def _misspelt(errors: list, model: type[BaseModel], data: Any) -> set:
    """Locations of missing keys that an unknown key beside them suggests (``wieght`` for ``weight``)."""
    out = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            _, found_model = _walk(model, data, loc[:-1])
            known = list(getattr(found_model, "model_fields", {}) or {})
            out.update(loc[:-1] + (hint,) for hint in difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6))
    return out


def format_validation_error(exc: ValidationError, model: type[BaseModel], source: str, prefix: str = "",
                            data: Any = None) -> str:
    """One line: ``file: yaml.path: expected ..., found ...`` for each problem."""
    return f"{source}: " + one_line(exc, model, prefix, data)


def one_line(exc: ValidationError, model: type[BaseModel], prefix: str = "", data: Any = None) -> str:
    """``yaml.path: message; ...``: every problem of ``exc`` on one line (see :func:`error_lines`)."""
    return "; ".join(f"{path}: {text}" if path else text for path, text in error_lines(exc, model, prefix, data))


def error_lines(exc: ValidationError, model: type[BaseModel], prefix: str = "",
                data: Any = None) -> list[tuple[str, str]]:
    """``(yaml.path, message)`` of each problem of ``exc``: the key's closest match for an unknown key,
    the value found for a wrong one, pydantic's union tags left out of the path."""
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    lines, misspelt = [], _misspelt(errors, model, data)
    for error, loc in zip(errors, locs):
        kind = error["type"]
        # a container's "too short" after its items failed is noise
        if kind in ("too_short",) and any(other[: len(loc)] == loc and other != loc for other in locs):
            continue
        if kind == "missing" and loc in misspelt:
            continue  # said once, as the unknown key that suggests it
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
        lines.append((_path_text(prefix, shown), message))
    return lines


def validate_section(model: type[BaseModel], data: Any, source: str, prefix: str = ""):
    """Build ``model`` from ``data`` or raise :class:`ConfigError` with YAML paths."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, model, source, prefix, data)) from None


class _Leaf:
    """A new value in an update tree (so a dict value is never taken for more paths)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def override(model: BaseModel, updates: Mapping[str, Any], where: str = "") -> BaseModel:
    """A copy of ``model`` with the fields at dotted paths replaced, validated as a whole.

    Parameters
    ----------
    model : FrozenModel
        A config object, e.g. an :class:`~liqbt.config.ExperimentConfig` or a
        :class:`~liqbt.heatmap.HeatmapModel`.
    updates : mapping of str to value
        Path -> new value. A path names fields and, inside a dict field, keys:
        ``"heatmaps.main.window"``, ``"backtest.leverage"``, ``"window"``.
        All updates are applied before any model is validated, so fields that
        depend on each other can change together.
    where : str, default ""
        The YAML path of ``model``, for error messages (``"heatmaps.main"``).

    Returns
    -------
    FrozenModel
        A new object of the same type; ``model`` is unchanged. Fields that are
        not updated keep their objects (no dump and rebuild).

    Raises
    ------
    ConfigError
        An unknown field or key (with the closest one), or a value the model
        rejects, named by its path: ``heatmaps.main.window: window '1m' is ...``.
    """
    if not updates:
        return model
    tree: dict = {}
    for path, value in updates.items():
        node, parts = tree, str(path).split(".")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node.get(part), _Leaf) or (last and part in node):
                also = _join(where, ".".join(parts[:depth + 1]))
                raise ConfigError(f"{_join(where, path)}: set twice (also as {also} or below it)")
            node = node.setdefault(part, _Leaf(value) if last else {})
    return _apply(model, tree, where)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else str(key)


def _unknown(where: str, key: str, owner: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {sorted(known)}"
    return ConfigError(f"{_join(where, key)}: {owner} {key!r}{hint}")


def _apply(model: Any, tree: dict, where: str) -> Any:
    """``model`` (a config model or a dict of them) with the update ``tree`` applied and validated."""
    if isinstance(model, Mapping):
        out = dict(model)
        for key, sub in tree.items():
            if key not in out:
                raise _unknown(where, key, "no key", [str(k) for k in out])
            out[key] = sub.value if isinstance(sub, _Leaf) else _apply(out[key], sub, _join(where, key))
        return out
    if not isinstance(model, BaseModel):
        raise ConfigError(f"{where}: {type(model).__name__} value has no fields to set")
    cls = type(model)
    data = dict(model)  # the field values as they are: nested models stay objects
    for key, sub in tree.items():
        if key not in cls.model_fields:
            raise _unknown(where, key, f"{cls.__name__} has no field", list(cls.model_fields))
        data[key] = sub.value if isinstance(sub, _Leaf) else _apply(data[key], sub, _join(where, key))
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(one_line(exc, cls, where, data)) from None
