"""Stage aggregate: the design card's cells -> one table. The sweep's eval_quantized cells
and the posts' recipe as written (posts 000/001), each with their replicates at the other
seeds, become metrics/sweep/ (summary rows: means over seeds with their spread, its CSV,
the summary `dvc exp show` lists) and reports/sweep.md; the search's trials become its
summary (metrics/conv/search.json)."""

import argparse
from pathlib import Path

import pandas as pd

from qae.evaluate import gzip_baseline
from qae.findings import summarize
from qae.images import load_split
from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.rate import TARGETS
from qae.report import sweep as report
from qae.report.render import render
from qae.stage import run
from qae.studies.conv import search_summary
from qae.studies.sweep import (
    COLUMNS,
    POST_000_ACCURACY_AT_64,
    bits_per_seed,
    load_cells,
    load_faithful,
    load_replicates,
    summary,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", required=True, help="eval_quantized records, DIMS-BITS.json")
    parser.add_argument("--faithful", required=True, help="sweep_faithful_eval records, one file per dims")
    parser.add_argument("--replicates", required=True, help="sweep_replicate records, SEED.json")
    parser.add_argument("--trials", required=True, help="the search's trials.json")
    parser.add_argument("--test", required=True, help="test split (.pt): post 001's gzip baseline")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--second-classifier-metrics", required=True, help="second_classifier.json, likewise")
    parser.add_argument("--metrics", required=True, help="the metrics/ folder: sweep/*, conv/search.json")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["sweep"]
    replicates = load_replicates(args.replicates, params["replicates"])
    records = load_cells(args.cells, p["dims"], p["bits"]) + [r for r in replicates if r["study"] == "sweep"]
    posts = load_faithful(args.faithful, p["faithful"]["dims"]) + [r for r in replicates if r["study"] != "sweep"]
    rows, faithful = summarize(records, ("dims", "bits")), summarize(posts, ("dims", "bits"))
    lossless = gzip_baseline(load_split(args.test)["images"])
    spread = [c for c in pd.DataFrame(rows).columns if c.endswith(("_min", "_max", "_low", "_high"))]
    table = pd.DataFrame(rows).reindex(columns=[*COLUMNS, "second_accuracy", "seeds", *spread])
    out = Path(args.metrics)
    write_json(out / "sweep/results.json", rows)
    write_text(out / "sweep/results.csv", table.to_csv(index=False, float_format="%.6g"))
    write_json(out / "sweep/faithful.json", faithful)
    sweep_summary = summary(records, posts, lossless)
    write_json(out / "sweep/summary.json", sweep_summary)
    write_json(out / "conv/search.json", search_summary(read_json(args.trials)))
    raw = {
        "accuracy": read_json(args.classifier_metrics)["test_accuracy"],
        "second_accuracy": read_json(args.second_classifier_metrics)["test_accuracy"],
    }
    seeds = {name: [bits_per_seed(records, t), bits_per_seed(posts, t)] for name, t in TARGETS.items()}
    fields = report.fields(rows, faithful, sweep_summary, seeds, POST_000_ACCURACY_AT_64, p["bits"], raw, lossless)
    write_text(args.report, render("sweep", fields))


if __name__ == "__main__":
    run(main)
