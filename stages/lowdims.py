"""Stage lowdims: post 004's MLP autoencoder at d = 3, 50, 100, trained as written and
with the fix (it starts at the mean image); loss curves, metrics, and the post's figure."""

import argparse
from pathlib import Path

import torch

from qae import analysis_plots as figures
from qae.data import load_split
from qae.io import write_json
from qae.lowdims import POST_004_LOSSES, study
from qae.params import load_params


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out-dir", required=True, help="where curves.json and summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    params = load_params()
    torch.set_num_threads(1)  # small models: on a busy CPU, handing work between threads costs more than it gains
    p = params["lowdims"]
    train, test = load_split(args.train), load_split(args.test)
    curves, metrics, models = study(
        train["images"], test["images"], p["dims"], p["starts"], p["epochs"], p["batch_size"], p["lr"], params["seed"]
    )
    out, plots = Path(args.out_dir), Path(args.plots)
    write_json(out / "curves.json", curves)
    write_json(out / "summary.json", metrics)
    figures.save(figures.loss_curves_figure(curves, metrics["mean_image_loss"], POST_004_LOSSES), plots / "loss.png")
    named = {f"d={d}, {'as written' if s == 'default' else 'fixed'}": m for (d, s), m in models.items()}
    figures.save(figures.reconstructions_by_model(test["images"], test["labels"], named), plots / "digits.png")


if __name__ == "__main__":
    main()
