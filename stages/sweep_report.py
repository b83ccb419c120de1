"""Stage sweep_report: posts 000/001's sweep as one table, its metrics, its figures and
reports/sweep.md."""

import argparse
from pathlib import Path

from qae.evaluate import gzip_baseline
from qae.images import first_of_each_digit, load_split
from qae.io import read_json, write_json, write_text
from qae.models import load_autoencoder
from qae.params import load_params
from qae.quantize import parse_bits
from qae.report import sweep as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.studies.sweep import POST_000_ACCURACY_AT_64, load_records, results_table, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", required=True, help="sweep_eval records, one file per dims")
    parser.add_argument("--faithful-dir", required=True, help="sweep_faithful_eval records, one file per dims")
    parser.add_argument("--test", required=True, help="test split (.pt): the gzip baseline and the figures' digits")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--headline", required=True, help="the headline autoencoder, drawn in the figures")
    parser.add_argument("--metrics-dir", required=True, help="where results.{json,csv}, faithful.json, summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["sweep"]
    records = load_records(args.eval_dir, p["dims"], p["bits"])
    faithful = load_records(args.faithful_dir, p["faithful"]["dims"], p["bits"])
    test = load_split(args.test)
    lossless = gzip_baseline(test["images"])
    raw_accuracy = read_json(args.classifier_metrics)["test_accuracy"]
    table = results_table(records)
    out = Path(args.metrics_dir)
    write_json(out / "results.json", records)
    write_text(out / "results.csv", table.to_csv(index=False, float_format="%.6g"))
    write_json(out / "faithful.json", faithful)
    write_json(out / "summary.json", summary(records, lossless))

    model = load_autoencoder(args.headline)
    grid = test["images"][: p["grid_digits"]]
    digits = test["images"][first_of_each_digit(test["labels"])]
    headline = f"{model.config.dims} dims"
    drawn = report.figures(
        records, p["bits"], raw_accuracy, POST_000_ACCURACY_AT_64,
        grid=[grid.unsqueeze(1) / 255] + [model.reconstruct(grid, parse_bits(b)).cpu() for b in p["bits"]],
        grid_labels=["original"] + [f"{b} bits" for b in p["bits"]],
        digits=[digits.unsqueeze(1) / 255, model.reconstruct(digits, parse_bits(params["bits"])).cpu()],
        headline=f"{headline}, {params['bits']} bits per element for one of each digit",
    )  # fmt: skip
    write_figures(drawn, args.plots)
    fields = report.fields(table, faithful, POST_000_ACCURACY_AT_64, p["bits"], raw_accuracy, lossless)
    write_text(args.report, render("sweep", fields))


if __name__ == "__main__":
    main()
