"""Source periods (``use_from`` / ``use_until``): one part from several sources, one after the other."""

from __future__ import annotations

from ..errors import ConfigError

__all__ = ["periods_apart"]


def periods_apart(sources, i: int, earlier: dict[str, list[int]]) -> set[str]:
    """Parts that ``sources[i]`` may continue because every earlier giver's period lies apart from its own.

    ``earlier`` maps each part source ``i`` gives to the indices of the earlier
    sources that gave it; each source has ``period`` (``(use_from, use_until)``
    or None) and ``describe()``.

    A part given by two sources neither of which has a period is left to the
    merge's own error; when at least one has a period, an overlap of the two
    periods (``[use_from, use_until)``, unbounded where not given) is a
    :class:`ConfigError` naming both sources.
    """
    concat = set()
    for part, others in earlier.items():
        if not others:
            continue
        mine = sources[i].period
        for j in others:
            theirs = sources[j].period
            if mine is None and theirs is None:
                break  # DataBundle.merge names both files
            (a0, a1), (b0, b1) = mine or (None, None), theirs or (None, None)
            lo = max((t for t in (a0, b0) if t is not None), default=None)
            hi = min((t for t in (a1, b1) if t is not None), default=None)
            if lo is None or hi is None or lo < hi:
                raise ConfigError(
                    f"data.sources[{i}] ({sources[i].describe()}) and data.sources[{j}] "
                    f"({sources[j].describe()}) both give '{part}' with overlapping periods "
                    f"[{a0 or '-inf'}, {a1 or '+inf'}) and [{b0 or '-inf'}, {b1 or '+inf'}); set use_from / "
                    "use_until so that they do not overlap")
        else:
            concat.add(part)
    return concat
