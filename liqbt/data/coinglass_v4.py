"""Coinglass API v4 series saved as one CSV per series (``coinglass-btc-2024-2025``).

Every file has ``time_ms``, the bar open in epoch milliseconds (UTC). Parts and
their timing:

* ``liquidations``: ``binance_<coin>_liquidations_<bar>.csv``,
  ``aggregated_long/short_liquidation_usd``: realised liquidations on Binance
  only, USD per bar (bar statistics, known at the bar's close).
* ``open_interest``, chosen by ``open_interest``:

  - ``usdm``: ``binance_btc_usdm_oi_btc_<bar>.csv``, stablecoin-margined OI in
    **BTC**; the bar's ``close`` is known at bar open + bar size. It is kept in
    coins (:attr:`DataBundle.open_interest_coins`) and converted to USD at
    alignment with the last candle close known at that same time.
  - ``coinm``: ``binance_btc_coinm_oi_usd_<bar>.csv``, USD, ``close`` known at
    bar open + bar size.
  - ``all_exchanges``: ``allexchanges_btc_oi_usd_4h.csv``, USD, likewise.
  - ``exchange``: column ``exchange`` of ``per_exchange_btc_oi_usd_4h.csv``, a
    USD snapshot known at its stamp (not + bar size). An empty cell means the
    exchange was not reported in that snapshot: no value becomes known then.
* ``known``: ``binance_btcusdt_orderbook_1pct.csv``, resting Binance BTCUSDT
  depth within ±1 % of the price, USD, as ``bid_depth_1pct_usd`` /
  ``ask_depth_1pct_usd``, a snapshot known at its stamp. Stale repeated rows are
  kept: they are what was published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError
from .bundle import DataBundle
from .freqtrade import parse_timeframe
from .validate import (check_data_file, check_data_folder, check_index, check_non_negative, numeric_columns,
                       read_table, require_columns, to_utc_index)

__all__ = ["read_coinglass_v4", "coinglass_v4_files", "check_coinglass_v4_files", "exchange_column",
           "COINGLASS_V4_LAYOUT", "OI_KINDS", "DEPTH_COLUMNS"]

TIME = "time_ms"
LIQ_COLUMNS = ("aggregated_long_liquidation_usd", "aggregated_short_liquidation_usd")
OHLC = ("open", "high", "low", "close")
OI_KINDS = ("usdm", "coinm", "all_exchanges", "exchange")
PER_EXCHANGE_FILE = "per_exchange_btc_oi_usd_4h.csv"
DEPTH_FILE = "binance_btcusdt_orderbook_1pct.csv"
#: file column -> known series name (USD within ±1 % of the price)
DEPTH_COLUMNS = {"bids_usd": "bid_depth_1pct_usd", "asks_usd": "ask_depth_1pct_usd"}

#: (what, coin, bar size) -> (file, columns it needs); what = "liquidations" or an OI kind.
COINGLASS_V4_LAYOUT = {
    ("liquidations", "BTC", "4h"): ("binance_btc_liquidations_4h.csv", LIQ_COLUMNS),
    ("liquidations", "ETH", "4h"): ("binance_eth_liquidations_4h.csv", LIQ_COLUMNS),
    ("liquidations", "BTC", "1d"): ("binance_btc_liquidations_1d.csv", LIQ_COLUMNS),
    ("usdm", "BTC", "4h"): ("binance_btc_usdm_oi_btc_4h.csv", OHLC),
    ("usdm", "BTC", "1d"): ("binance_btc_usdm_oi_btc_1d.csv", OHLC),
    ("coinm", "BTC", "4h"): ("binance_btc_coinm_oi_usd_4h.csv", OHLC),
    ("coinm", "BTC", "1d"): ("binance_btc_coinm_oi_usd_1d.csv", OHLC),
    ("all_exchanges", "BTC", "4h"): ("allexchanges_btc_oi_usd_4h.csv", OHLC),
}


def coinglass_v4_files(coin: str, bar_size: str, open_interest: str, parts, exchange: str | None = None
                       ) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Part -> (file name, columns it needs) for the parts asked for.

    Raises
    ------
    DataError
        The folder has no file for that part at this coin and bar size (the
        message lists what exists).
    """
    files = {}
    for part in parts:
        if part == "liquidations":
            key = ("liquidations", coin, bar_size)
        elif part == "open_interest":
            if open_interest == "exchange":
                if bar_size != "4h" or coin != "BTC":
                    raise DataError(PER_EXCHANGE_FILE, f"per-exchange OI exists for BTC at 4h only, not {coin} "
                                                       f"at {bar_size}")
                files[part] = (PER_EXCHANGE_FILE, (exchange or "",))
                continue
            key = (open_interest, coin, bar_size)
        elif part == "known":
            if coin != "BTC":
                raise DataError(DEPTH_FILE, f"order-book depth exists for BTC only, not {coin}")
            files[part] = (DEPTH_FILE, tuple(DEPTH_COLUMNS))
            continue
        else:
            raise DataError("coinglass_v4", f"no part {part!r}; expected some of ['open_interest', "
                                            "'liquidations', 'known']")
        if key not in COINGLASS_V4_LAYOUT:
            have = sorted(f"{w} {c} {b}" for w, c, b in COINGLASS_V4_LAYOUT if (w == "liquidations") == (
                part == "liquidations"))
            what = "liquidations" if part == "liquidations" else f"open_interest {open_interest}"
            raise DataError("coinglass_v4", f"no {what} file for coin {coin} at bar_size {bar_size}; the folder "
                                            f"has: {have}")
        files[part] = COINGLASS_V4_LAYOUT[key]
    return files


def _read(path: Path, columns) -> tuple[pd.DataFrame, str]:
    """The file's ``columns`` as float64 on its UTC bar-open index (checked sorted and unique)."""
    source = str(path)
    frame = read_table(path, pd.read_csv, "CSV",
                       errors=(pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError))
    if frame.empty:
        raise DataError(source, "no rows; expected a header and data rows")
    require_columns(frame, (TIME,) + tuple(columns), source)
    index = to_utc_index(frame[TIME], source, TIME, unit="ms")
    check_index(index, source, TIME)
    out = numeric_columns(frame, columns, source)
    out.index = index
    return out, source


def exchange_column(path: Path, exchange: str | None) -> str:
    """The per-exchange file's column for ``exchange`` (case-insensitive); an error lists the columns."""
    header = read_table(path, lambda p: pd.read_csv(p, nrows=0), "CSV",
                        errors=(pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError))
    exchanges = [c for c in header.columns if c not in (TIME, "price")]
    if exchange is None:
        raise DataError(str(path), f"open_interest: exchange needs exchange: one of {exchanges}")
    match = [c for c in exchanges if c.upper() == exchange.upper()]
    if not match:
        raise DataError(str(path), f"no column for exchange {exchange!r}; expected one of {exchanges}")
    return match[0]


def check_coinglass_v4_files(folder: Path, coin: str, bar_size: str, open_interest: str, parts,
                             exchange: str | None, where: str) -> None:
    """Every file of the parts asked for exists with its columns (headers only read); else a ConfigError at ``where``."""
    try:
        files = coinglass_v4_files(coin, bar_size, open_interest, parts, exchange)
    except DataError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    for part, (name, columns) in files.items():
        try:
            check_data_file(folder / name, "CSV")
        except DataError as exc:
            raise ConfigError(f"{where}: part '{part}' needs {exc}; list the parts you have in {where}.parts") from None
        if name == PER_EXCHANGE_FILE:
            try:
                exchange_column(folder / name, exchange)
            except DataError as exc:
                raise ConfigError(f"{where}.exchange: {exc}") from None
            columns = ()
        try:
            header = pd.read_csv(folder / name, nrows=0)
        except Exception:  # noqa: BLE001 - the full read names the problem with its rows
            continue
        require_columns(header, (TIME,) + tuple(columns), str(folder / name))


def read_coinglass_v4(folder: str | Path, *, coin: str = "BTC", bar_size: str = "4h",
                      open_interest: str = "usdm", exchange: str | None = None, parts=None) -> DataBundle:
    """Read the Coinglass v4 folder: Binance liquidations, open interest and ±1 % depth.

    Parameters
    ----------
    folder : path
        The ``coinglass-btc-2024-2025`` folder.
    coin : {"BTC", "ETH"}, default "BTC"
        ETH has liquidations only.
    bar_size : {"4h", "1d"}, default "4h"
        Which files: the ``*_4h`` or the ``*_1d`` ones (depth has one file).
    open_interest : {"usdm", "coinm", "all_exchanges", "exchange"}, default "usdm"
        Which OI series (see the module docstring for units and timing).
    exchange : str, optional
        With ``open_interest="exchange"``: a column of the per-exchange file
        (``BINANCE``, ``BYBIT``, ``OKX``, ...).
    parts : iterable of str, optional
        ``open_interest``, ``liquidations``, ``known``; default all. Only their
        files are read.

    Returns
    -------
    DataBundle
        No candles: combine it with a candle source. ``usdm`` OI is in
        ``open_interest_coins`` (BTC), every other OI in ``open_interest`` (USD).
    """
    folder = check_data_folder(folder, "the coinglass_v4 CSV folder")
    wanted = tuple(parts) if parts is not None else ("open_interest", "liquidations", "known")
    if coin == "ETH" and parts is None:
        wanted = ("liquidations",)
    files = coinglass_v4_files(coin, bar_size, open_interest, wanted, exchange)
    step = parse_timeframe(bar_size)
    bundle: dict = {}
    sources: dict[str, str] = {}
    if "liquidations" in files:
        name, columns = files["liquidations"]
        liq, source = _read(folder / name, columns)
        check_non_negative(liq, list(columns), source)
        bundle["liquidations"] = liq.rename(columns=dict(zip(columns, ("realised_liq_long_usd",
                                                                        "realised_liq_short_usd"))))
        bundle["liquidations_bar_size"] = step
        sources["liquidations"] = source
    if "open_interest" in files:
        name, _ = files["open_interest"]
        if open_interest == "exchange":
            column = exchange_column(folder / name, exchange)
            oi, source = _read(folder / name, (column,))
            oi = oi[oi[column].notna()]  # empty cell: not reported in that snapshot, nothing became known
            check_non_negative(oi, [column], source)
            bundle["open_interest"] = pd.Series(oi[column].to_numpy(), index=oi.index, name="oi_usd")
            sources["open_interest"] = f"{source} (column {column}, USD snapshot known at its stamp)"
        else:
            oi, source = _read(folder / name, ("close",))
            check_non_negative(oi, ["close"], source)
            known_at = oi.index + step  # the bar's close is known when the bar has closed
            if open_interest == "usdm":
                bundle["open_interest_coins"] = pd.Series(oi["close"].to_numpy(), index=known_at,
                                                          name="oi_coins")
                sources["open_interest"] = (f"{source} (BTC, converted to USD with the last candle close known "
                                            "at the OI's time)")
            else:
                bundle["open_interest"] = pd.Series(oi["close"].to_numpy(), index=known_at, name="oi_usd")
                sources["open_interest"] = source
    if "known" in files:
        name, columns = files["known"]
        depth, source = _read(folder / name, columns)
        check_non_negative(depth, list(columns), source)
        bundle["known"] = {new: pd.Series(depth[old].to_numpy(), index=depth.index, name=new)
                           for old, new in DEPTH_COLUMNS.items()}
        sources.update({f"known:{new}": source for new in DEPTH_COLUMNS.values()})
    return DataBundle(sources=sources, **bundle)
