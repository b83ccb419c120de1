"""Stage readme: README.md from its template, the studies' metrics and the committed
benchmark, so every number and finding on the front page is the pipeline's; and
metrics/summary.json: the key figures as the few columns per study `dvc exp show` lists."""

import argparse
from pathlib import Path

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import readme as report
from qae.report.render import render
from qae.stage import run
from qae.studies.rate_accuracy import METHOD_NAMES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics-dir", required=True, help="the metrics/ folder")
    parser.add_argument("--bench", required=True, help="the pipeline benchmark's numbers (bench/pipeline.json)")
    parser.add_argument("--out", required=True, help="README.md")
    parser.add_argument("--summary", required=True, help="the key figures' JSON (metrics/summary.json)")
    args = parser.parse_args(argv)
    m = Path(args.metrics_dir)
    studies = ("sweep", "conv", "latent", "digits", "lowdims", "qat", "compressor", "rate_accuracy")
    summaries = {study: read_json(m / study / "summary.json") for study in studies}
    bench = read_json(args.bench) if Path(args.bench).exists() else {}
    raw = {
        "accuracy": read_json(m / "classifier.json")["test_accuracy"],
        "second_accuracy": read_json(m / "second_classifier.json")["test_accuracy"],
    }
    fields = report.fields(
        read_json(m / "sweep/results.json"),
        read_json(m / "sweep/faithful.json"),
        summaries["sweep"],
        read_json(m / "rate_accuracy/records.json"),
        read_json(m / "rate_accuracy/methods.json"),
        METHOD_NAMES,
        summaries["compressor"],
        read_json(m / "compressor/rd.json"),
        read_json(m / "semantic/records.json"),
        read_json(m / "feature_rd/records.json"),
        load_params()["feature_rd"]["budget_bits"],
        summaries["conv"],
        summaries["digits"],
        read_json(m / "lowdims/seeds.json"),
        summaries["qat"],
        raw,
        bench,
    )
    write_text(args.out, render("readme", fields))
    write_json(args.summary, report.key_figures(summaries))


if __name__ == "__main__":
    run(main)
