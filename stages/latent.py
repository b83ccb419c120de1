"""Stage latent: post 003's section V on the 2-D conv autoencoder: class centroids,
samples of their box, and D(x, y) on a grid over it with its smoothness metrics."""

import argparse

from qae.images import load_split
from qae.io import save_torch, write_json
from qae.models import load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.latent import study


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="autoencoder checkpoint with a 2-D code")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--metrics", required=True, help="JSON metrics to write")
    parser.add_argument("--out", required=True, help="the study's tensors, for the report (.pt)")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["latent"]
    test = load_split(args.test)
    s = study(load_autoencoder(args.model), test["images"], test["labels"], p["grid"], p["samples"],
              p["jump_factor"], params["seed"])  # fmt: skip
    write_json(args.metrics, {k: round(v, 6) for k, v in s.pop("metrics").items()})
    save_torch(args.out, s)


if __name__ == "__main__":
    run(main)
