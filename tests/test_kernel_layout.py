"""Layout of the kernel packages (issue #13): module names, one enum idiom, grouped kernel inputs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import liqbt.heatmap
from liqbt.backtest import enums as backtest_enums
from liqbt.backtest.nb import simulate_nb
from liqbt.heatmap import enums as heatmap_enums
from liqbt.heatmap.nb import batch_nb, run_nb
from liqbt.margin import enums as margin_enums
from liqbt.zones import enums as zone_enums


def test_heatmap_modules_are_named_for_what_they_do():
    names = {m.name for m in pkgutil.walk_packages(liqbt.heatmap.__path__, "liqbt.heatmap.")}
    assert {"liqbt.heatmap.single", "liqbt.heatmap.batch", "liqbt.heatmap.result"} <= names
    assert not [n for n in names if "sweep" in n.rsplit(".", 1)[-1] or n.endswith(".base")]
    for name in names:
        module = importlib.import_module(name)
        assert not [k for k in vars(module) if k.startswith("sweep")], name


def test_old_batch_result_name_still_imports_with_a_warning():
    with pytest.warns(DeprecationWarning, match="BatchResult"):
        assert liqbt.heatmap.SweepResult is liqbt.heatmap.BatchResult


@pytest.mark.parametrize("codes", [
    heatmap_enums.EntryMode, heatmap_enums.SplitMode, heatmap_enums.CloseMode, heatmap_enums.CloseSplit,
    heatmap_enums.IP, heatmap_enums.FP, heatmap_enums.F, heatmap_enums.TT, zone_enums.Z, margin_enums.Formula,
    backtest_enums.FillReason,
])
def test_codes_are_namedtuples_of_ints(codes):
    assert isinstance(codes, tuple) and codes._fields
    assert all(type(v) is int for v in codes)


def test_column_codes_follow_their_names():
    assert [heatmap_enums.F[i] for i in range(heatmap_enums.N_FEATURES)] == list(range(heatmap_enums.N_FEATURES))
    assert [f.lower() for f in heatmap_enums.F._fields] == list(heatmap_enums.FEATURES)
    assert [f.lower() for f in heatmap_enums.TT._fields] == list(heatmap_enums.TOTALS)
    assert [f.lower() for f in zone_enums.Z._fields] == list(zone_enums.ZONE_COLUMNS)


@pytest.mark.parametrize("kernel, most", [(run_nb, 6), (batch_nb, 4), (simulate_nb, 7)])
def test_kernels_take_grouped_inputs(kernel, most):
    assert len(inspect.signature(kernel.py_func).parameters) <= most


def test_order_records_have_vectorbt_layout():
    from vectorbt.portfolio.enums import order_dt as vbt_order_dt

    from liqbt.backtest.enums import order_dt

    assert order_dt == vbt_order_dt and order_dt.itemsize == vbt_order_dt.itemsize
