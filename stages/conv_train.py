"""Stage conv_train@DIMS / conv_denoising@DIMS: post 003's conv autoencoder at `--dims`, with the
search's best hyper-parameters; `--denoising` trains on corrupted inputs (params
conv.denoising), starting from the `--plain` model when conv.denoising.start is plain."""

import argparse

from qae.images import load_split
from qae.io import read_json, save_torch
from qae.live import training_log
from qae.models import AutoencoderConfig, autoencoder_checkpoint, load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.conv import scaled_epochs, training_corruption
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    parser.add_argument("--hparams", required=True, help="best.json from the search stage")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    parser.add_argument("--denoising", action="store_true", help="train on inputs corrupted per conv.denoising")
    parser.add_argument("--plain", help="with --denoising: the plain model to fine-tune (.pt)")
    args = parser.parse_args(argv)
    params = load_params()
    best, c = read_json(args.hparams), params["conv"]
    noisy = c["denoising"]
    config = AutoencoderConfig(c["arch"], args.dims, dropout=best["dropout"])
    epochs = scaled_epochs(best["epochs"], (noisy if args.denoising else c["tradeoff"])["epochs_scale"])
    lr, corrupt, initial = best["lr"], None, None
    if args.denoising:
        corrupt = training_corruption(noisy["corruption"], noisy["noise_std"], noisy["patch"])
        if noisy["start"] == "plain":
            if args.plain is None:
                parser.error("conv.denoising.start is plain: pass the plain model with --plain")
            initial, lr = load_autoencoder(args.plain), lr * noisy["lr_scale"]
    train = TrainConfig(epochs, c["batch_size"], lr, c["loss"], c["optimizer"], best["weight_decay"])
    images = load_split(args.train)["images"]
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            config, images, train, params["seed"], corrupt, initial=initial, on_epoch=on_epoch
        )
    identity = {"study": "conv", "method": "conv_denoising" if args.denoising else "conv", "seed": params["seed"]}
    save_torch(args.out, autoencoder_checkpoint(model, **identity, **record, hparams=best))


if __name__ == "__main__":
    run(main)
