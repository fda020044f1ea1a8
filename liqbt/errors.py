"""One exception hierarchy for everything liqbt reports to a user.

The CLI prints ``str(error)`` on one line and exits non-zero; ``--debug`` shows
the traceback. Messages therefore carry all the context a user needs: the file,
field or row, what was expected and what was found.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["LiqbtError", "DataError", "ConfigError", "DownloadError", "OutputError", "GapWarning", "GridWarning", "BookWipeWarning",
           "TierExcludedWarning", "BracketVersionWarning", "SpanWarning", "MarkPriceWarning",
           "FundingGapWarning", "CandleResolutionWarning"]


class LiqbtError(Exception):
    """Base class of every error liqbt raises on purpose."""


class ConfigError(LiqbtError):
    """A configuration file or value is invalid."""


class DownloadError(LiqbtError):
    """Fetching archive files failed (offline, HTTP error, checksum mismatch)."""


class OutputError(LiqbtError):
    """Writing an output (file, folder, results store) failed; the message names the path."""


class DataError(LiqbtError):
    """Market data is missing, malformed or inconsistent.

    Parameters
    ----------
    source : str
        File path or other description of where the data came from.
    problem : str
        What is wrong, including what was expected and what was found.
    column : str, optional
        The offending column or field.
    rows : iterable of str, optional
        Human-readable descriptions of the first offending rows; at most five
        are shown, with the total count.
    """

    max_rows_shown = 5

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        column: str | None = None,
        rows: Iterable[str] | None = None,
        n_rows: int | None = None,
    ):
        self.source = str(source)
        self.problem = problem
        self.column = column
        self.rows = list(rows or [])
        self.n_rows = n_rows if n_rows is not None else len(self.rows)
        parts = [self.source]
        if column is not None:
            parts.append(f"column '{column}'")
        message = ": ".join(parts) + f": {problem}"
        if self.rows:
            shown = self.rows[: self.max_rows_shown]
            message += f" ({self.n_rows} rows; first: " + "; ".join(shown) + ")"
        super().__init__(message)


class GapWarning(UserWarning):
    """Bars are missing from a series that should have a fixed bar size."""


class GridWarning(UserWarning):
    """The price left the heatmap's fixed grid: beyond it positions sit in the overflow bins."""


class BookWipeWarning(UserWarning):
    """A heatmap model emptied a whole side of its book in one bar from closes (not liquidations at price)."""


class BracketVersionWarning(UserWarning):
    """A newer maintenance-bracket table version starts inside the data; the run keeps the one of its first bar."""


class TierExcludedWarning(UserWarning):
    """Heatmap leverage tiers above the exchange's maximum leverage for the position size were left out."""


class SpanWarning(UserWarning):
    """A configured period reaches beyond the data: the run covers less than was asked for."""


class MarkPriceWarning(UserWarning):
    """A backtest convention asked for the mark price where the market has none; the last price was used.

    The result's ``conventions`` (and ``stats.json``) state what was used and how often.
    """


class FundingGapWarning(UserWarning):
    """Funding events fell inside gaps of the candles; they were paid at the next bar (stated in the outputs)."""


class CandleResolutionWarning(UserWarning):
    """A predictor needs candles finer than the bars it predicts and got candles as coarse as them."""
