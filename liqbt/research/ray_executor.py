"""Spread a sweep's chunks over a Ray cluster and gather the rows into the local store.

The driver puts the market and config in Ray's object store once and submits
one task per (override group, chunk). A worker reconstructs a group's
heatmaps the first time it meets the group and keeps the context for the
group's next chunks (a small per-worker cache). The driver writes each chunk's
rows into the results store as soon as its task finishes, so an interrupted
distributed sweep resumes like a local one. Tasks run the same code on the
same inputs as the local executor, so the rows are identical.

Workers import liqbt and the strategy's module: install liqbt on every node
and make the strategy importable there. The driver's ``PYTHONPATH`` is passed
on to the workers (enough for a cluster on this machine or on a shared file
system).

Ray is an optional dependency: ``pip install 'liqbt[research]'``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from ..errors import ConfigError
from .contexts import override_context
from .store import ResultStore
from .sweep import Window, chunks, evaluate_combos, split_overrides

if TYPE_CHECKING:
    from pathlib import Path

    from ..config.experiment import ExperimentConfig
    from ..data.market import Market

__all__ = ["run_groups_ray"]

_CONTEXTS_KEPT = 4
"""Override groups whose context (reconstructed heatmaps) a worker keeps, least recently used dropped first."""

_INPUTS: dict[str, tuple] = {}
"""In a worker process: sweep token -> ``(config, market)``, the current sweep's only."""

_CONTEXTS: OrderedDict[tuple, tuple] = OrderedDict()
"""In a worker process: ``(token, overrides)`` -> ``(context, backtest)``."""


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("sweep.executor 'ray' needs Ray, which is not installed: "
                          "pip install 'liqbt[research]'") from None
    return ray


def _evaluate_chunk(token: str, refs: tuple, overrides: tuple, chunk: list[dict], wins: list[Window],
                    base_dir=None) -> list:
    """Ray task body: ``(params, window, metrics)`` rows of one chunk of one override group.

    ``refs`` holds the object refs of the config and the market inside a
    tuple, so Ray does not fetch them for tasks whose worker already has them;
    ``token`` names the sweep they belong to.
    """
    import ray

    if token not in _INPUTS:
        _INPUTS.clear()
        _CONTEXTS.clear()
        _INPUTS[token] = tuple(ray.get(list(refs)))
    config, market = _INPUTS[token]
    key = (token, overrides)
    if key not in _CONTEXTS:
        _CONTEXTS[key] = override_context(config, market, overrides, base_dir)
        while len(_CONTEXTS) > _CONTEXTS_KEPT:
            _CONTEXTS.popitem(last=False)
    _CONTEXTS.move_to_end(key)
    ctx, backtest = _CONTEXTS[key]
    params = [{**config.strategy.params, **split_overrides(c)[1]} for c in chunk]
    return evaluate_combos(market, ctx, config.strategy.strategy_class(base_dir), chunk, params, backtest, wins)


def _check_reachable(address: str) -> None:
    """Fail fast with a clear message when ``host:port`` (or ``ray://host:port``) does not answer."""
    if address in ("auto", "local") or ("://" in address and not address.startswith("ray://")):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"sweep.address: expected 'host:port', 'ray://host:port' or 'auto', found {address!r}")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except OSError as exc:
        raise ConfigError(f"sweep.address: cannot reach the Ray cluster at {address!r} ({exc}); is it started "
                          "('ray start --head') and is the port open?") from None


def _runtime_env() -> dict:
    """The driver's ``PYTHONPATH`` ahead of the cluster workers' own (Ray expands ``${PYTHONPATH}``)."""
    path = os.environ.get("PYTHONPATH")
    return {"env_vars": {"PYTHONPATH": f"{path}{os.pathsep}${{PYTHONPATH}}"}} if path else {}


def _connect(ray, address: str | None) -> bool:
    """Initialise Ray (joining ``address`` or starting a local instance); True when this call started it."""
    if ray.is_initialized():
        return False
    if address:
        _check_reachable(address)
        try:
            ray.init(address=address, runtime_env=_runtime_env(), logging_level="WARNING")
        except Exception as exc:  # ConnectionError, RuntimeError, version mismatch: all mean "cannot use it"
            raise ConfigError(f"sweep.address: cannot connect to the Ray cluster at {address!r}: {exc} (a cluster "
                              "with token authentication also needs RAY_AUTH_MODE=token and its token in "
                              "~/.ray/auth_token or RAY_AUTH_TOKEN; liqbt and Ray must be the versions the "
                              "cluster runs)") from None
    else:
        # "local" starts a new instance even when "ray start" left a cluster on this machine (ray.init()
        # would join that); its workers inherit this process's environment, PYTHONPATH included.
        ray.init(address="local", include_dashboard=False, logging_level="WARNING")
    return True


def run_groups_ray(config: "ExperimentConfig", market: "Market", groups: dict[tuple, list[dict]],
                   wins: list[Window], store: ResultStore, exp: int, *, progress: bool = True,
                   base_dir: Path | None = None) -> None:
    """Evaluate every parameter set of ``groups`` on Ray and store the rows under ``exp``.

    Parameters
    ----------
    config : ExperimentConfig
        ``sweep.address`` joins a running cluster (``host:port``,
        ``ray://host:port`` or ``auto``); None starts a local Ray on this
        machine's CPUs (shut down again at the end). ``sweep.chunk_size``
        parameter sets go to one task.
    market : Market
    groups : dict
        Heatmap/backtest overrides (from :func:`~liqbt.research.sweep.split_overrides`)
        -> the parameter sets still to compute.
    wins : list of Window
    store : ResultStore
        Rows are written here, one finished chunk per transaction, in the
        order tasks finish.
    exp : int
        The sweep's experiment id in ``store``.
    progress : bool, default True
        Show a progress bar of parameter sets.
    base_dir : Path, optional
        The config's folder (a strategy given as ``file.py:Class`` resolves against it on the workers,
        which must see the same path).
    """
    ray = _import_ray()
    if not any(groups.values()):
        return  # everything is in the store already: no need for a cluster
    started = _connect(ray, config.sweep.address)
    pending: list = []
    try:
        remote = ray.remote(max_retries=2)(_evaluate_chunk)
        refs = (ray.put(config), ray.put(market))
        token = uuid.uuid4().hex
        jobs = [(overrides, chunk) for overrides, group in groups.items()
                for chunk in chunks(group, config.sweep.chunk_size)]
        # Enough tasks in flight to keep every CPU busy; the rest wait here, not in the cluster's queue.
        limit = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        sizes = {}
        bar = tqdm(total=sum(len(c) for _, c in jobs), disable=not progress, desc="sweep (ray)", unit="set")
        jobs.reverse()
        while jobs or pending:
            while jobs and len(pending) < limit:
                overrides, chunk = jobs.pop()
                ref = remote.remote(token, refs, overrides, chunk, wins, base_dir)
                sizes[ref] = len(chunk)
                pending.append(ref)
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                store.add(exp, ray.get(ref))
                bar.update(sizes.pop(ref))
        bar.close()
    finally:
        if pending and not started:
            for ref in pending:  # interrupted: free a cluster we do not own
                ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
