"""Honest baselines for any strategy: placebo levels, plain S/R levels and buy-and-hold."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "baselines": (
        "NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "compare_to_baselines",
        "reads_levels",
    ),
})

__all__ = ["NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "compare_to_baselines",
           "reads_levels"]
