"""Training curves as they happen, through dvclive: `dvc plots show` draws them, during
`dvc exp run` too, from the files dvc.yaml's top-level `plots:` name.

dvclive is a pipeline dependency, not a library one: it is imported only when a stage
asks for a log, so `qae compress` and the models never need it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qae.train import EpochLog


@contextmanager
def training_log(directory: str | Path | None) -> Iterator[EpochLog | None]:
    """An `on_epoch` callback for `qae.train` that writes each epoch's loss to
    `directory/plots/metrics/loss.tsv` (step = epoch) and the last to
    `directory/metrics.json`; None yields None (no log)."""
    if directory is None:
        yield None
        return
    from dvclive import Live

    # dvcyaml=None: dvclive would otherwise rewrite the root dvc.yaml during `dvc repro`;
    # save_dvc_exp=False: the stage is already part of whatever experiment runs it.
    with Live(str(directory), dvcyaml=None, save_dvc_exp=False, report=None) as live:

        def log(record: dict[str, float]) -> None:
            live.step = int(record["epoch"])  # the plots' x axis counts epochs from 1
            for name, value in record.items():
                if name != "epoch":
                    live.log_metric(name, value)
            live.next_step()

        yield log
