"""Stage aggregate: the design card's cells -> one table. The sweep's eval_quantized cells
(posts 000/001) and the posts' recipe as written become metrics/sweep/ (the table, its
CSV, the summary `dvc exp show` lists) and reports/sweep.md; the search's trials become
its summary (metrics/conv/search.json)."""

import argparse
from pathlib import Path

import pandas as pd

from qae.evaluate import gzip_baseline
from qae.images import load_split
from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import sweep as report
from qae.report.render import render
from qae.stage import run
from qae.studies.conv import search_summary
from qae.studies.sweep import COLUMNS, POST_000_ACCURACY_AT_64, load_cells, load_faithful, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", required=True, help="eval_quantized records, DIMS-BITS.json")
    parser.add_argument("--faithful", required=True, help="sweep_faithful_eval records, one file per dims")
    parser.add_argument("--trials", required=True, help="the search's trials.json")
    parser.add_argument("--test", required=True, help="test split (.pt): post 001's gzip baseline")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--metrics", required=True, help="the metrics/ folder: sweep/*, conv/search.json")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    p = load_params()["sweep"]
    records = load_cells(args.cells, p["dims"], p["bits"])
    faithful = load_faithful(args.faithful, p["faithful"]["dims"])
    lossless = gzip_baseline(load_split(args.test)["images"])
    table = pd.DataFrame(records).reindex(columns=COLUMNS)
    out = Path(args.metrics)
    write_json(out / "sweep/results.json", records)
    write_text(out / "sweep/results.csv", table.to_csv(index=False, float_format="%.6g"))
    write_json(out / "sweep/faithful.json", faithful)
    write_json(out / "sweep/summary.json", summary(records, lossless))
    write_json(out / "conv/search.json", search_summary(read_json(args.trials)))
    raw_accuracy = read_json(args.classifier_metrics)["test_accuracy"]
    fields = report.fields(table, faithful, POST_000_ACCURACY_AT_64, p["bits"], raw_accuracy, lossless)
    write_text(args.report, render("sweep", fields))


if __name__ == "__main__":
    run(main)
