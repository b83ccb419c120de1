"""Stage lowdims: post 004's MLP autoencoder at very low code sizes, trained as written
and with the fix (it starts at the mean image): loss curves, metrics, and one of each
digit reconstructed by every model."""

import argparse
from pathlib import Path

import torch

from qae.images import first_of_each_digit, load_split
from qae.io import save_torch, write_json
from qae.params import load_params
from qae.stage import run
from qae.studies.lowdims import study


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--seed", type=int, help="train with this seed (default: params seed; a replicate's)")
    parser.add_argument("--metrics-dir", help="where curves.json and summary.json go")
    parser.add_argument("--summary", help="a replicate's: write its summary.json here instead")
    parser.add_argument("--out", help="the digits and their reconstructions, for the report (.pt)")
    args = parser.parse_args(argv)
    params = load_params()
    torch.set_num_threads(1)  # small models: handing work between threads costs more than it gains
    p = params["lowdims"]
    train, test = load_split(args.train), load_split(args.test)
    curves, metrics, models = study(
        train["images"], test["images"], p["dims"], p["starts"], p["epochs"], p["batch_size"], p["lr"],
        params["seed"] if args.seed is None else args.seed,
    )  # fmt: skip
    if args.summary:
        write_json(args.summary, metrics)
        return
    write_json(Path(args.metrics_dir) / "curves.json", curves)
    write_json(Path(args.metrics_dir) / "summary.json", metrics)
    if args.out is None:
        return
    digits = test["images"][first_of_each_digit(test["labels"])]
    reconstructions = {f"d={d}, {start}": model.reconstruct(digits).cpu() for (d, start), model in models.items()}
    save_torch(args.out, {"digits": digits, "reconstructions": reconstructions})


if __name__ == "__main__":
    run(main)
