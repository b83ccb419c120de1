"""Stage plot: the sweep's curves and the headline model's reconstructions, as PNGs."""

import argparse

from qae.data import load_split
from qae.io import read_json
from qae.models import load_autoencoder
from qae.params import load_params
from qae.plots import write_plots


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True, help="results.json from aggregate")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--model", required=True, help="headline autoencoder checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args(argv)
    params = load_params()
    write_plots(
        read_json(args.results),
        params["sweep"]["bits"],
        read_json(args.classifier_metrics)["test_accuracy"],
        load_autoencoder(args.model),
        load_split(args.test),
        params["bits"],
        params["plot"]["digits_per_row"],
        args.out_dir,
    )


if __name__ == "__main__":
    main()
