"""Research workflow: sweeps, walk-forward evaluation, the results store."""

from .config import EvaluationConfig, SweepConfig, WalkForwardConfig
from .runner import SweepOutcome, run_sweep
from .store import ResultStore

__all__ = ["SweepConfig", "EvaluationConfig", "WalkForwardConfig", "run_sweep", "SweepOutcome", "ResultStore"]
