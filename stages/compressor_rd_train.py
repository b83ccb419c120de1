"""Stage compressor_rd_train: the variable-rate rate-distortion model. Its integer codes
are priced in bits by a learned prior while it trains, one rate level per rate weight
(each image draws a level; loss = BCE + that level's weight x bits / 784), on randomly
distorted digits of one or both halves of the training set."""

import argparse

from qae.images import load_training_images
from qae.io import save_torch
from qae.live import training_log
from qae.models import autoencoder_checkpoint
from qae.params import load_params
from qae.recipes import rate_distortion
from qae.stage import run
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--more-images", required=True, help="a split whose images join in if rd.images is all")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    args = parser.parse_args(argv)
    params = load_params()
    rd, seed = params["compressor"]["rd"], params["seed"]
    images = load_training_images(args.train, args.more_images, rd["images"])
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            rate_distortion(rd), images, TrainConfig.from_params(rd), seed, on_epoch=on_epoch
        )
    identity = {"study": "compressor", "method": "compressor_rd", "seed": seed}
    save_torch(args.out, autoencoder_checkpoint(model, **identity, **record))


if __name__ == "__main__":
    run(main)
