"""Stage readme: README.md from its template and the studies' metrics, so every number
on the front page is the pipeline's, and metrics/summary.json: the same findings as the
few columns per study that `dvc exp show` lists."""

import argparse

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import readme as report
from qae.report.render import render
from qae.stage import run
from qae.studies.rate_accuracy import METHOD_NAMES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics-dir", required=True, help="the metrics/ folder")
    parser.add_argument("--out", required=True, help="README.md")
    parser.add_argument("--summary", required=True, help="the key figures' JSON (metrics/summary.json)")
    args = parser.parse_args(argv)
    params = load_params()
    m = args.metrics_dir
    studies = ("sweep", "conv", "latent", "digits", "lowdims", "qat", "compressor", "rate_accuracy")
    summaries = {study: read_json(f"{m}/{study}/summary.json") for study in studies}
    fields = report.fields(
        read_json(f"{m}/sweep/results.json"),
        read_json(f"{m}/sweep/faithful.json"),
        read_json(f"{m}/rate_accuracy/methods.json"),
        METHOD_NAMES,
        summaries["compressor"],
        summaries["conv"],
        summaries["digits"],
        summaries["lowdims"],
        read_json(f"{m}/classifier.json"),
        params["sweep"]["faithful"]["dims"][0],
    )
    write_text(args.out, render("readme", fields))
    write_json(args.summary, report.key_figures(summaries))


if __name__ == "__main__":
    run(main)
