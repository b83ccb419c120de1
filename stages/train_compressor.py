"""Stage train_compressor / train_rd: one model of the compressor study, `--dims` code
dimensions, trained quantization-aware at `--bits` bits, or for rate and distortion with
`--rate-weight`."""

import argparse

import torch

from qae.data import load_split
from qae.io import save_torch
from qae.models import AutoencoderConfig, autoencoder_checkpoint
from qae.params import load_params
from qae.train import Augment, TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--bits", type=int, help="quantization-aware training at these bits")
    group.add_argument("--rate-weight", type=float, help="rate-distortion training with this weight")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--more-images", help="a split whose images join the training set if rd.images is all")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    args = parser.parse_args(argv)
    params = load_params()
    c, p, rd = params["compressor"], params["autoencoder"], params["rd"]
    images = load_split(args.train)["images"]
    recipe = (p["batch_size"], p["lr"], p["loss"], p["optimizer"], p["weight_decay"])
    if args.rate_weight is None:
        qat = {"qat_bits": args.bits, "qat_noise": params["qat"]["noise"]}
        config = AutoencoderConfig(c["arch"], args.dims, "corrected", **qat)
        train = TrainConfig(c["epochs"], *recipe)
    else:
        config = AutoencoderConfig(rd["arch"], args.dims, "corrected", entropy=True)
        augment = Augment(**rd["augment"]) if any(rd["augment"].values()) else None
        train = TrainConfig(rd["epochs"], *recipe, args.rate_weight, rd["schedule"], augment)
        if rd["images"] == "all":
            if args.more_images is None:
                parser.error("rd.images is all: give the other split with --more-images")
            images = torch.cat([images, load_split(args.more_images)["images"]])
    model, history = train_autoencoder(config, images, train, params["seed"])
    save_torch(args.out, autoencoder_checkpoint(model, history=history))


if __name__ == "__main__":
    main()
