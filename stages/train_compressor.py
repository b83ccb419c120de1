"""Stage train_compressor / train_rd: one model of the compressor study, `--dims` code
dimensions, trained quantization-aware at `--bits` bits, or for rate and distortion with
`--rate-weight`."""

import argparse

from qae.data import load_split
from qae.io import save_torch
from qae.models import AutoencoderConfig, autoencoder_checkpoint
from qae.params import load_params
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--bits", type=int, help="quantization-aware training at these bits")
    group.add_argument("--rate-weight", type=float, help="rate-distortion training with this weight")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    args = parser.parse_args(argv)
    params = load_params()
    c, p = params["compressor"], params["autoencoder"]
    if args.rate_weight is None:
        qat = {"qat_bits": args.bits, "qat_noise": params["qat"]["noise"]}
        config, epochs, rate_weight = AutoencoderConfig(c["arch"], args.dims, "corrected", **qat), c["epochs"], 0.0
    else:
        config = AutoencoderConfig(params["rd"]["arch"], args.dims, "corrected", entropy=True)
        epochs, rate_weight = params["rd"]["epochs"], args.rate_weight
    train = TrainConfig(epochs, p["batch_size"], p["lr"], p["loss"], p["optimizer"], p["weight_decay"], rate_weight)
    model, history = train_autoencoder(config, load_split(args.train)["images"], train, params["seed"])
    save_torch(args.out, autoencoder_checkpoint(model, history=history))


if __name__ == "__main__":
    main()
