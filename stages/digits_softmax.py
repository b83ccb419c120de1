"""Stage digits_softmax: post 002's conv autoencoder with a 10-neuron softmax code,
trained without labels (MSE, SGD with momentum)."""

import argparse

from qae.images import load_split
from qae.io import save_torch
from qae.live import training_log
from qae.models import autoencoder_checkpoint
from qae.params import load_params
from qae.stage import run
from qae.studies.digits import train_softmax


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["digits"]
    with training_log(args.live) as on_epoch:
        model, record = train_softmax(
            load_split(args.train)["images"], p["epochs"], p["batch_size"], p["optimizer"], p["lr"], p["momentum"],
            params["seed"], recipe=p["recipe"], on_epoch=on_epoch,
        )  # fmt: skip
    identity = {"study": "digits", "method": "softmax", "seed": params["seed"]}
    save_torch(args.out, autoencoder_checkpoint(model, **identity, **record))


if __name__ == "__main__":
    run(main)
