"""liqbt: research and backtest strategies on point-in-time liquidation heatmaps.

One call per job (each reads a YAML config path, a :class:`LoadedConfig`, or an
:class:`ExperimentConfig` built in Python with ``base_dir=``)::

    import liqbt
    run = liqbt.run_experiment("configs/strategy_magnet_zone.yaml")
    sweep = liqbt.run_sweep("configs/sweep_magnet_zone.yaml")        # in-memory results store
    liqbt.record_run(run, "out/results.sqlite")                       # recorded as ``liqbt run`` does

Only the version and the exceptions load with ``import liqbt``; every other name
loads its module (numpy, pandas, numba, pydantic, vectorbt) on first use, so that
``import liqbt`` and ``liqbt --help`` stay quick (``tests/test_api.py`` checks it).
"""

from ._version import __version__
from .errors import ConfigError, DataError, DownloadError, LiqbtError

# public name -> the module that defines it (imported on first attribute access)
_LAZY = {
    # data
    "Market": "liqbt.data",
    "MultiVenueMarket": "liqbt.data",
    "DataBundle": "liqbt.data",
    "load_data": "liqbt.data",
    "generate_market": "liqbt.data",
    # config
    "load_config": "liqbt.config",
    "ExperimentConfig": "liqbt.config",
    "LoadedConfig": "liqbt.config",
    # heatmaps
    "HeatmapModel": "liqbt.heatmap",
    "reconstruct": "liqbt.heatmap",
    "reconstruct_named": "liqbt.heatmap",
    # calibration
    "LiquidationPredictor": "liqbt.calibration",
    "calibrate": "liqbt.calibration",
    # backtest
    "BacktestConfig": "liqbt.backtest",
    "Signals": "liqbt.backtest",
    "run_backtest": "liqbt.backtest",
    # strategies
    "Strategy": "liqbt.strategy",
    "StrategyContext": "liqbt.strategy",
    "Param": "liqbt.strategy",
    "register_strategy": "liqbt.strategy",
    "get_strategy": "liqbt.strategy",
    "resolve_strategy": "liqbt.strategy",
    # config-driven jobs
    "run_experiment": "liqbt.pipeline",
    "run_sweep": "liqbt.pipeline",
    "record_run": "liqbt.pipeline",
    "ExperimentRun": "liqbt.pipeline",
    "SweepOutcome": "liqbt.research",
    "ResultStore": "liqbt.research",
}

__all__ = [
    "__version__",
    "LiqbtError",
    "DataError",
    "ConfigError",
    "DownloadError",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'liqbt' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the lazy names too, so that tab completion and help() show the whole public surface
    return sorted(set(globals()) | set(__all__))
