"""Honest baselines for any strategy: placebo levels, plain S/R levels and buy-and-hold."""

from .baselines import (
    NO_LEVELS_NOTE,
    SUMMARY_COLUMNS,
    BuyAndHold,
    baseline_contexts,
    compare_to_baselines,
    reads_levels,
)

__all__ = ["NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "compare_to_baselines",
           "reads_levels"]
