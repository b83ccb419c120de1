"""Stage train_autoencoder@DIMS (and headline_train, sweep_faithful_train@DIMS,
qat_train@DIMS-BITS): one linear autoencoder of `--dims` code dimensions with the sweep's
recipe (params sweep.*); as the posts wrote it with `--faithful` (their schedule:
sweep.faithful); trained quantization-aware at `--qat-bits` (params qat.noise)."""

import argparse

from qae.images import load_split
from qae.io import save_torch
from qae.live import training_log
from qae.models import autoencoder_checkpoint
from qae.params import load_params
from qae.recipes import linear, linear_method, linear_training
from qae.stage import run
from qae.train import train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    parser.add_argument("--study", default="sweep", help="what the checkpoint says it belongs to")
    parser.add_argument("--faithful", action="store_true", help="the posts' recipe and schedule (sweep.faithful)")
    parser.add_argument("--qat-bits", type=int, help="train quantization-aware at these bits (corrected recipe)")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    args = parser.parse_args(argv)
    params = load_params()
    sweep, seed = params["sweep"], params["seed"]
    qat = None if args.qat_bits is None else {"bits": args.qat_bits, "noise": params["qat"]["noise"]}
    config = linear(sweep, args.dims, args.faithful, qat)
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            config, load_split(args.train)["images"], linear_training(sweep, args.faithful), seed, on_epoch=on_epoch
        )
    identity = {"study": args.study, "method": linear_method(config), "seed": seed}
    save_torch(args.out, autoencoder_checkpoint(model, **identity, **record))


if __name__ == "__main__":
    run(main)
