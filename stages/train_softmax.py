"""Stage train_softmax: post 002's conv autoencoder with a 10-neuron softmax code,
trained without labels (MSE, SGD with momentum)."""

import argparse

import torch

from qae.cluster import train_softmax
from qae.data import load_split
from qae.io import save_torch
from qae.models import autoencoder_checkpoint
from qae.params import load_params


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    args = parser.parse_args(argv)
    params = load_params()
    torch.set_num_threads(1)  # small models: on a busy CPU, handing work between threads costs more than it gains
    p = params["digits"]
    images = load_split(args.train)["images"]
    model, history = train_softmax(
        images, p["epochs"], p["batch_size"], p["optimizer"], p["lr"], p["momentum"], params["seed"]
    )
    save_torch(args.out, autoencoder_checkpoint(model, history=history))


if __name__ == "__main__":
    main()
