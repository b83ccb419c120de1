"""Stage train_autoencoder / train_qat: one autoencoder of `--dims` code dimensions,
trained with its code rounded to `--qat-bits` bits if given (quantization-aware)."""

import argparse

from qae.data import load_split
from qae.io import save_torch
from qae.models import AutoencoderConfig, autoencoder_checkpoint
from qae.params import load_params
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    parser.add_argument("--qat-bits", type=int, help="train quantization-aware at these bits")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["autoencoder"]
    if args.qat_bits:  # quantization-aware training needs the corrected bottleneck, whatever the recipe
        qat = {"qat_bits": args.qat_bits, "qat_noise": params["qat"]["noise"]}
        config = AutoencoderConfig(p["arch"], args.dims, "corrected", p["dropout"], **qat)
    else:
        config = AutoencoderConfig(p["arch"], args.dims, p["recipe"], p["dropout"])
    train = TrainConfig(p["epochs"], p["batch_size"], p["lr"], p["loss"], p["optimizer"], p["weight_decay"])
    images = load_split(args.train)["images"]
    model, history = train_autoencoder(config, images, train, params["seed"])
    save_torch(args.out, autoencoder_checkpoint(model, history=history))


if __name__ == "__main__":
    main()
