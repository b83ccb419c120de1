"""Replicates: the models behind a finding trained again at the other seeds of params
`replicates`, one stage item per seed, whose records sit beside the main seed's
(`FOLDER/seed-SEED.json`). Findings read them back with `load`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qae.errors import UserError
from qae.io import read_json


def path(folder: str | os.PathLike, seed: int) -> Path:
    """Where the replicate of `seed` writes its records: beside the main seed's."""
    return Path(folder) / f"seed-{seed}.json"


def load(folder: str | os.PathLike, seeds: list[int]) -> list[Any]:
    """What each replicate of `seeds` wrote in `folder`, in seed order: a list of
    records each (extended into one list), or one summary each (listed)."""
    loaded = []
    for seed in seeds:
        file = path(folder, seed)
        if not file.exists():
            raise UserError(f"{file} is missing: run `dvc repro` (the replicate stage of seed {seed})")
        data = read_json(file)
        loaded += data if isinstance(data, list) else [data]
    return loaded
