"""Vendor CSVs (Coinglass-style exports): price, open interest, funding, liquidations.

Two layouts are supported:

* **hourly, one file** (``btc_1h_price_oi_funding_liquidations.csv``):
  ``timestamp`` (epoch ms, bar open), ``price_open/high/low/close``,
  ``oi_open/high/low/close`` (USD notional), ``funding_*`` (percent),
  ``liquidation_long_usd``, ``liquidation_short_usd`` (realised, USD).
* **4-hourly, one file per series** in a folder: ``coinglass_oi_4h.csv``
  (``open..close``, USD), ``coinglass_liquidation_4h.csv`` (``long_usd,
  short_usd``), ``coinglass_funding_4h.csv`` (``open..close``, percent),
  ``coinglass_taker_volume_4h.csv`` (``buy_usd, sell_usd``); ``timestamp`` an
  ISO string of the bar open in UTC without zone suffix (declared UTC here).

Timing: an interval's closing open interest becomes known at the interval's
end; funding events (00/08/16 UTC) take the funding rate at the close of the
interval ending at the event, converted from percent to a fraction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .bundle import DataBundle
from .market import GapPolicy, Market
from .validate import (check_data_folder, check_funding_unit, check_index, check_non_negative, check_prices,
                       numeric_columns, read_table, require_columns, to_utc_index)

__all__ = ["read_vendor_hourly", "load_vendor_hourly", "read_vendor_4h", "funding_events_from_intervals"]

HOURLY_COLUMNS = (
    "timestamp", "price_open", "price_high", "price_low", "price_close",
    "oi_close", "funding_close", "liquidation_long_usd", "liquidation_short_usd",
)
_FUNDING_HOURS_UTC = (0, 8, 16)


def _read_csv(path: Path) -> pd.DataFrame:
    frame = read_table(path, pd.read_csv, "CSV",
                       errors=(pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError))
    if frame.empty:
        raise DataError(str(path), "no rows; expected a header and data rows")
    return frame


def funding_events_from_intervals(
    closing_rate_percent: pd.Series, interval: pd.Timedelta, source: str,
    event_hours_utc=_FUNDING_HOURS_UTC,
) -> pd.Series:
    """Funding events from a per-interval series of the funding rate.

    The rate settled at an event time ``τ`` is the one quoted at the close of
    the interval that ends at ``τ``. Returns a fraction per funding interval,
    indexed by event time.
    """
    check_funding_unit(closing_rate_percent, "percent", source, column="funding_close")
    end = closing_rate_percent.index + interval
    at_event = (end.minute == 0) & (end.second == 0) & np.isin(end.hour, event_hours_utc)
    events = pd.Series(closing_rate_percent.to_numpy()[at_event] / 100.0, index=end[at_event], name="funding_rate")
    events.index.name = "time"
    return events


def read_vendor_hourly(path: str | Path, *, parts=None) -> DataBundle:
    """Read a vendor hourly CSV (price + OI + funding + realised liquidations).

    Price is the candle (``volume`` is absent in this layout); ``oi_close`` of
    hour ``H`` becomes known at ``H + 1h``; realised liquidations stay at 1h.

    Parameters
    ----------
    path : path
        The CSV file.
    parts : iterable of str, optional
        Parts to read (``candles``, ``open_interest``, ``funding``,
        ``liquidations``); default all. Columns of other parts are not parsed.
    """
    path = Path(path)
    source = str(path)
    wanted = set(parts) if parts is not None else {"candles", "open_interest", "funding", "liquidations"}
    frame = _read_csv(path)
    require_columns(frame, HOURLY_COLUMNS, source)
    index = to_utc_index(frame["timestamp"], source, "timestamp", unit="ms")
    check_index(index, source, "timestamp")
    hour = pd.Timedelta(hours=1)
    bundle: dict = {}
    if "candles" in wanted:
        prices = numeric_columns(frame, [f"price_{c}" for c in ("open", "high", "low", "close")], source)
        prices.index = index
        check_prices(prices, source, prefix="price_")
        bundle["candles"] = prices.rename(columns=lambda c: c.removeprefix("price_"))
        bundle["candles_bar_size"] = hour
    if "open_interest" in wanted:
        oi = numeric_columns(frame, ["oi_close"], source)
        oi.index = index
        check_non_negative(oi, ["oi_close"], source)
        bundle["open_interest"] = pd.Series(oi["oi_close"].to_numpy(), index=index + hour, name="oi_usd")
    if "liquidations" in wanted:
        liq = numeric_columns(frame, ["liquidation_long_usd", "liquidation_short_usd"], source)
        liq.index = index
        check_non_negative(liq, list(liq.columns), source)
        bundle["liquidations"] = liq.rename(columns={"liquidation_long_usd": "realised_liq_long_usd",
                                                    "liquidation_short_usd": "realised_liq_short_usd"})
        bundle["liquidations_bar_size"] = hour
    if "funding" in wanted:
        rates = numeric_columns(frame, ["funding_close"], source)["funding_close"]
        bundle["funding"] = funding_events_from_intervals(pd.Series(rates.to_numpy(), index=index), hour, source)
    return DataBundle(
        **bundle,
        sources={p: source for p in ("candles", "open_interest", "funding", "liquidations") if p in bundle},
        symbol="BTCUSDT" if "btc" in path.name.lower() else "", venue="binance",
    )


def load_vendor_hourly(path: str | Path, *, gaps: GapPolicy = "report") -> Market:
    """:func:`read_vendor_hourly` aligned into a :class:`~liqbt.data.Market`."""
    return read_vendor_hourly(path).to_market(gaps=gaps)


def _times_4h(raw: pd.Series, source: str) -> pd.DatetimeIndex:
    """Bar opens of a 4-hourly file: ISO strings (UTC without suffix, as documented) or epoch ms."""
    if raw.dtype.kind in "iuf":  # epoch numbers: never read as nanoseconds of 1970
        return to_utc_index(raw, source, "timestamp", unit="ms")
    stamps = pd.to_datetime(raw, errors="coerce")
    if stamps.isna().any():
        bad = np.flatnonzero(stamps.isna().to_numpy())
        raise DataError(source, "unparseable timestamps; expected ISO strings like 2025-10-06T12:00:00",
                        column="timestamp", rows=[f"row {i} ({raw.iloc[i]!r})" for i in bad[:5]], n_rows=len(bad))
    if stamps.dt.tz is None:  # the layout documents UTC bar opens without a suffix
        stamps = stamps.dt.tz_localize("UTC")
    return to_utc_index(stamps, source, "timestamp")


# The 4-hourly folder: part -> (file, columns it needs).
VENDOR_4H_FILES = {
    "open_interest": ("coinglass_oi_4h.csv", ("close",)),
    "liquidations": ("coinglass_liquidation_4h.csv", ("long_usd", "short_usd")),
    "funding": ("coinglass_funding_4h.csv", ("close",)),
    "known": ("coinglass_taker_volume_4h.csv", ("buy_usd", "sell_usd")),
}


def read_vendor_4h(folder: str | Path, *, parts=None) -> DataBundle:
    """Read the 4-hourly vendor folder: open interest, funding, liquidations, taker volume.

    There are no candles in this layout: combine it with a candle source (for
    example Binance 5m candles) in a ``data:`` section. Taker volume becomes
    two known series, ``taker_buy_usd_4h`` and ``taker_sell_usd_4h``, each the
    last completed 4h interval's total, known at its end.

    Parameters
    ----------
    folder : path
        The folder of CSV files.
    parts : iterable of str, optional
        Parts to read (``open_interest``, ``liquidations``, ``funding``,
        ``known``); default all. Only their files must exist.
    """
    folder = check_data_folder(folder, "the 4-hourly vendor CSV folder")
    wanted = set(parts) if parts is not None else set(VENDOR_4H_FILES)
    four = pd.Timedelta(hours=4)

    def read(part: str) -> tuple[pd.DataFrame, str]:
        name, columns = VENDOR_4H_FILES[part]
        path = folder / name
        source = str(path)
        frame = _read_csv(path)
        require_columns(frame, ("timestamp",) + columns, source)
        index = _times_4h(frame["timestamp"], source)
        check_index(index, source, "timestamp")
        out = numeric_columns(frame, columns, source)
        out.index = index
        if part != "funding":  # notionals and OI are never negative; funding is checked by its own rule
            check_non_negative(out, list(columns), source)
        return out, source

    bundle: dict = {}
    sources: dict[str, str] = {}
    if "open_interest" in wanted:
        oi, sources["open_interest"] = read("open_interest")
        bundle["open_interest"] = pd.Series(oi["close"].to_numpy(), index=oi.index + four, name="oi_usd")
    if "funding" in wanted:
        fund, sources["funding"] = read("funding")
        bundle["funding"] = funding_events_from_intervals(fund["close"], four, sources["funding"])
    if "liquidations" in wanted:
        liq, sources["liquidations"] = read("liquidations")
        bundle["liquidations"] = liq.rename(columns={"long_usd": "realised_liq_long_usd",
                                                     "short_usd": "realised_liq_short_usd"})
        bundle["liquidations_bar_size"] = four
    if "known" in wanted:
        taker, taker_src = read("known")
        bundle["known"] = {
            "taker_buy_usd_4h": pd.Series(taker["buy_usd"].to_numpy(), index=taker.index + four),
            "taker_sell_usd_4h": pd.Series(taker["sell_usd"].to_numpy(), index=taker.index + four),
        }
        sources.update({"known:taker_buy_usd_4h": taker_src, "known:taker_sell_usd_4h": taker_src})
    return DataBundle(sources=sources, **bundle)
