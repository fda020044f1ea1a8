"""Research workflow: sweeps, walk-forward evaluation, the results store."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "config": ("EvaluationConfig", "SweepConfig", "WalkForwardConfig"),
    "runner": ("SweepOutcome", "sweep_loaded"),
    "store": ("ResultStore",),
})

__all__ = ["SweepConfig", "EvaluationConfig", "WalkForwardConfig", "sweep_loaded", "SweepOutcome", "ResultStore"]
