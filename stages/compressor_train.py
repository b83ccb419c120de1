"""Stage compressor_train@DIMS-BITS: the compressor study's deep autoencoder with `--dims`
code dimensions, trained quantization-aware at `--bits` bits per element."""

import argparse

from qae.images import load_split
from qae.io import save_torch
from qae.live import training_log
from qae.models import autoencoder_checkpoint
from qae.params import load_params
from qae.recipes import compressor
from qae.stage import run
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    parser.add_argument("--bits", type=int, required=True, help="quantization-aware training at these bits")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    args = parser.parse_args(argv)
    params = load_params()
    c, seed = params["compressor"], params["seed"]
    config = compressor(c, args.dims, args.bits, params["qat"]["noise"])
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            config, load_split(args.train)["images"], TrainConfig.from_params(c), seed, on_epoch=on_epoch
        )
    save_torch(args.out, autoencoder_checkpoint(model, study="compressor", method="compressor", seed=seed, **record))


if __name__ == "__main__":
    run(main)
