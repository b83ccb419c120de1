"""Tables and numbers as a report prints them: markdown tables from DataFrames, and
the few number formats the reports use, so one figure reads the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from qae.rate import TARGETS


def pct(value: float | None, digits: int = 1) -> str:
    """0.9843 -> "98.4%"; None -> "-". Near a target accuracy (97%, 98%, 99%) it takes
    as many more digits as it needs not to round across it: 0.9696 -> "96.96%", never
    "97.0%" beside a table cell that says 97% was not reached."""
    if value is None or pd.isna(value):
        return "-"
    while digits < 6 and any((round(100 * value, digits) >= 100 * t) != (value >= t) for t in TARGETS.values()):
        digits += 1
    return f"{100 * value:.{digits}f}%"


def pct_spread(row: dict[str, Any], key: str = "accuracy", digits: int = 1) -> str:
    """A row's accuracy as its mean over seeds, and the range over them where there are
    several: "98.2% (98.0-98.4%, 3 seeds)"; one seed: "98.2%"."""
    if row.get(key) is None or pd.isna(row.get(key)):
        return "-"
    if row.get("seeds", 1) == 1 or f"{key}_min" not in row:
        return pct(row[key], digits)
    spread = f"{pct(row[f'{key}_min'], digits).rstrip('%')}-{pct(row[f'{key}_max'], digits)}"
    return f"{pct(row[key], digits)} ({spread}, {row['seeds']} seeds)"


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
