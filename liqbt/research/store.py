"""The results store: one SQLite file, queryable with any SQLite client.

Tables:

* ``experiments``: one row per run or sweep: ``kind``, ``name``, ``config_hash``
  (of the resolved config), ``data_fingerprint``, ``code_version``,
  ``config_json``, ``created``, ``status``. A sweep with the same config, data
  and code is the same experiment, which is what makes it resumable; after an
  upgrade of liqbt it starts afresh rather than mixing results of two versions
  (the old rows stay queryable).
* ``results``: one row per parameter set and window: ``experiment_id``,
  ``combo_key``, ``window``, ``params_json``, ``metrics_json``. Rows are
  written one finished chunk per transaction; a killed process loses at most
  the chunk it was computing.

Example query::

    sqlite3 out/results.sqlite "select name, status, created from experiments"
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import OutputError

__all__ = ["ResultStore", "config_hash", "data_fingerprint", "code_version", "combo_key"]

_SCHEMA = """
create table if not exists experiments (
    id integer primary key,
    kind text not null,
    name text,
    config_hash text not null,
    data_fingerprint text not null,
    code_version text not null,
    config_json text not null,
    created text not null,
    status text not null default 'running',
    unique (kind, config_hash, data_fingerprint, code_version)
);
create table if not exists results (
    experiment_id integer not null references experiments(id),
    combo_key text not null,
    window text not null,
    params_json text not null,
    metrics_json text not null,
    primary key (experiment_id, combo_key, window)
);
"""


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(config: dict) -> str:
    """sha256 of the resolved config (output paths excluded: they do not change results)."""
    data = {k: v for k, v in config.items() if k != "output"}
    return hashlib.sha256(_canonical(data).encode()).hexdigest()[:16]


def data_fingerprint(market) -> str:
    """sha256 of the bars (index and values) and the funding events."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(market.bars.index.asi8).tobytes())
    h.update(",".join(market.bars.columns).encode())
    h.update(np.ascontiguousarray(market.bars.to_numpy(dtype=np.float64)).tobytes())
    if market.funding is not None:
        h.update(np.ascontiguousarray(market.funding.index.asi8).tobytes())
        h.update(np.ascontiguousarray(market.funding.to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """liqbt's version, plus the git commit when run from a checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def combo_key(params: dict) -> str:
    """A stable key of one parameter set."""
    return _canonical(params)


def _guarded(action: str):
    """Method decorator: a SQLite error (corrupt file, disk full, read-only) becomes one line naming the store."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.Error, pd.errors.DatabaseError) as exc:
                text = str(exc).split(": ")[-1] if isinstance(exc, pd.errors.DatabaseError) else str(exc)
                hint = ("; it is not a liqbt results store (move it away or choose another output.store)"
                        if "not a database" in text or "malformed" in text else "")
                raise OutputError(f"{self.path}: cannot {action} the results store: {text}{hint}") from None

        return wrapper

    return decorate


class ResultStore:
    """A SQLite results store at ``path``.

    With ``create`` (the default) the file and its tables are created on first
    use; without it the store is opened read-only and must already hold liqbt's
    tables (``liqbt report --store`` never changes a file it is shown).
    A file that is not a SQLite database, a folder, or a store that cannot be
    read or written raises :class:`~liqbt.errors.OutputError` naming ``path``.
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if self.path.is_dir():
            raise OutputError(f"{self.path}: results store is a folder; expected a SQLite file")
        if not create and not self.path.is_file():
            raise OutputError(f"{self.path}: no results store there")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path if create else f"{self.path.resolve().as_uri()}?mode=ro",
                                       timeout=60, uri=not create)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{self.path}: cannot open the results store: {exc}") from None
        try:
            self._open(create)
        except OutputError:
            self._db.close()
            raise

    @_guarded("open")
    def _open(self, create: bool) -> None:
        if create:
            self._db.execute("pragma journal_mode=wal")
            self._db.executescript(_SCHEMA)
            return
        tables = {r[0] for r in self._db.execute("select name from sqlite_master where type='table'")}
        if not {"experiments", "results"} <= tables:
            raise OutputError(f"{self.path}: not a liqbt results store (no 'experiments' and 'results' tables)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @_guarded("read")
    def find(self, kind: str, config: dict, fingerprint: str) -> int | None:
        """The id of the experiment with this kind, config, data and code version, or None."""
        row = self._db.execute("select id from experiments where kind=? and config_hash=? and data_fingerprint=? "
                               "and code_version=?", (kind, config_hash(config), fingerprint, code_version())
                               ).fetchone()
        return int(row[0]) if row else None

    @_guarded("write")
    def experiment(self, kind: str, name: str | None, config: dict, fingerprint: str) -> int:
        """The id of the experiment with this kind, config, data and code version (created if new)."""
        found = self.find(kind, config, fingerprint)
        if found is not None:
            return found
        chash = config_hash(config)
        with self._db:
            cur = self._db.execute(
                "insert into experiments (kind, name, config_hash, data_fingerprint, code_version, config_json, "
                "created) values (?, ?, ?, ?, ?, ?, ?)",
                (kind, name, chash, fingerprint, code_version(), _canonical(config),
                 dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
        return int(cur.lastrowid)

    @_guarded("write")
    def set_status(self, experiment_id: int, status: str) -> None:
        with self._db:
            self._db.execute("update experiments set status=? where id=?", (status, experiment_id))

    @_guarded("read")
    def done(self, experiment_id: int) -> set[str]:
        """Combo keys with every window stored."""
        rows = self._db.execute("select combo_key from results where experiment_id=?", (experiment_id,))
        return {r[0] for r in rows}

    @_guarded("write")
    def add(self, experiment_id: int, rows: Iterable[tuple[dict, str, dict]]) -> None:
        """Store ``(params, window, metrics)`` rows in one transaction."""
        payload = [(experiment_id, combo_key(p), w, _canonical(p), _canonical(_plain(m))) for p, w, m in rows]
        with self._db:
            self._db.executemany("insert or replace into results values (?, ?, ?, ?, ?)", payload)

    @_guarded("read")
    def results(self, experiment_id: int) -> pd.DataFrame:
        """One row per parameter set and window: params, ``window`` and metrics as columns."""
        rows = self._db.execute("select params_json, window, metrics_json from results where experiment_id=? "
                                "order by combo_key, window", (experiment_id,)).fetchall()
        records = [{**json.loads(p), "window": w, **json.loads(m)} for p, w, m in rows]
        return pd.DataFrame.from_records(records)

    @_guarded("read")
    def experiments(self) -> pd.DataFrame:
        return pd.read_sql_query("select id, kind, name, config_hash, data_fingerprint, code_version, created, "
                                 "status from experiments order by id", self._db)


def _plain(metrics: dict) -> dict:
    out = {}
    for key, value in metrics.items():
        if isinstance(value, (np.floating, float)):
            value = None if np.isnan(value) else float(value)
        elif isinstance(value, np.integer):
            value = int(value)
        out[key] = value
    return out
