"""Honest baselines for any strategy: placebo levels, plain S/R levels and buy-and-hold."""

from ..lazy import lazy_exports

# each name loads its module on first use (liqbt.lazy): reading one config model loads no engine
__getattr__, __dir__ = lazy_exports(__name__, {
    "baselines": (
        "NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "baseline_runs",
        "compare_to_baselines", "compare_to_baselines_from_runs", "reads_levels",
    ),
    "judgement": ("Judgement", "judge", "placebo_test", "compound_by", "daily_regimes"),
})

__all__ = ["NO_LEVELS_NOTE", "SUMMARY_COLUMNS", "BuyAndHold", "baseline_contexts", "baseline_runs",
           "compare_to_baselines", "compare_to_baselines_from_runs", "reads_levels", "Judgement", "judge",
           "placebo_test", "compound_by", "daily_regimes"]
