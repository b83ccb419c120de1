"""Stage split: classifier / autoencoder (+ validation index) / test splits, as uint8."""

import argparse

from qae.mnist import load_mnist, make_splits, save_splits
from qae.params import load_params
from qae.stage import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw_dir", help="the four IDX files (download)")
    parser.add_argument("out_dir", help="where classifier.pt, autoencoder.pt, validation.pt, test.pt go")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["split"]
    splits = make_splits(
        load_mnist(args.raw_dir), p["classifier_size"], p["autoencoder_size"], p["val_fraction"], params["seed"]
    )
    save_splits(splits, args.out_dir)
    print(", ".join(f"{name}: {len(next(iter(s.values())))}" for name, s in splits.items()))


if __name__ == "__main__":
    run(main)
