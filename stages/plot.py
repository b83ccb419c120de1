"""Stage plot: the design card's figures of the sweep (posts 000/001): accuracy and MSE
against bits per element and per image, one line per dims, and the headline model's
reconstructions. `dvc plots show` draws the same curves from metrics/sweep/results.json."""

import argparse

from qae.images import first_of_each_digit, load_split
from qae.io import read_json
from qae.models import load_autoencoder
from qae.params import load_params
from qae.quantize import parse_bits
from qae.report import sweep as report
from qae.report.figures import write_figures
from qae.stage import run
from qae.studies.sweep import POST_000_ACCURACY_AT_64


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True, help="the sweep's table (metrics/sweep/results.json)")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--headline", required=True, help="the headline autoencoder, whose reconstructions are drawn")
    parser.add_argument("--test", required=True, help="test split (.pt): the digits drawn")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["sweep"]
    test = load_split(args.test)
    model = load_autoencoder(args.headline)
    grid = test["images"][: p["grid_digits"]]
    digits = test["images"][first_of_each_digit(test["labels"])]
    headline = f"{model.config.width} dims"
    drawn = report.figures(
        read_json(args.results), p["bits"], read_json(args.classifier_metrics)["test_accuracy"],
        POST_000_ACCURACY_AT_64,
        grid=[grid.unsqueeze(1) / 255] + [model.reconstruct(grid, parse_bits(b)).cpu() for b in p["bits"]],
        grid_labels=["original"] + [f"{b} bits" for b in p["bits"]],
        digits=[digits.unsqueeze(1) / 255, model.reconstruct(digits, parse_bits(params["bits"])).cpu()],
        headline=headline, model=headline, digits_bits=params["bits"],
    )  # fmt: skip
    write_figures(drawn, args.plots)


if __name__ == "__main__":
    run(main)
