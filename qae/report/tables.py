"""Tables and numbers as a report prints them: markdown tables from DataFrames, and
the few number formats the reports use, so one figure reads the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


def pct(value: float | None, digits: int = 1) -> str:
    """0.9843 -> "98.4%"; None -> "-"."""
    return "-" if value is None or pd.isna(value) else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 1) -> str:
    """A fixed-point number; None -> "-"."""
    return "-" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def sci(value: float | None, digits: int = 2) -> str:
    """A number in 2-significant-digit scientific style for small values (1.2e-04)."""
    return "-" if value is None or pd.isna(value) else f"{value:.{digits}g}"


def markdown(table: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None) -> str:
    """`table` as a GitHub markdown table; `formats` maps a column to its formatter
    (other cells print as they are)."""
    formats = formats or {}
    shown = table.copy()
    for column in shown.columns:
        shown[column] = shown[column].map(formats.get(column, lambda v: "-" if v is None else str(v)))
    align = ("left",) + ("right",) * (len(shown.columns) - 1)  # names left, numbers right
    return shown.to_markdown(index=False, disable_numparse=True, colalign=align)
