"""Stage split: classifier / autoencoder (+ validation index) / test splits, as uint8."""

import argparse

from qae.data import load_mnist, make_splits, save_splits
from qae.params import load_params


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw_dir")
    parser.add_argument("out_dir")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["data"]
    mnist = load_mnist(args.raw_dir)
    splits = make_splits(mnist, p["classifier_size"], p["autoencoder_size"], p["val_fraction"], params["seed"])
    save_splits(splits, args.out_dir)
    print(", ".join(f"{name}: {len(next(iter(s.values())))}" for name, s in splits.items()))


if __name__ == "__main__":
    main()
