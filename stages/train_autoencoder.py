"""Stage sweep_train / sweep_faithful_train / headline_train / qat_train: one autoencoder
of `--dims` code dimensions with the sweep's recipe (params sweep.*), trained with its
code rounded to `--qat-bits` bits if given (quantization-aware), or as the posts wrote
it with `--faithful` (recipe post, their schedule: sweep.faithful)."""

import argparse

from qae.images import load_split
from qae.io import save_torch
from qae.live import training_log
from qae.models import AutoencoderConfig, autoencoder_checkpoint
from qae.params import load_params
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, required=True)
    parser.add_argument("--faithful", action="store_true", help="the posts' recipe and schedule (sweep.faithful)")
    parser.add_argument("--qat-bits", type=int, help="train quantization-aware at these bits (corrected recipe)")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["sweep"]
    if args.qat_bits:  # quantization-aware training needs the corrected bottleneck, whatever the recipe
        qat = {"qat_bits": args.qat_bits, "qat_noise": params["qat"]["noise"]}
        config = AutoencoderConfig(p["arch"], args.dims, "corrected", p["dropout"], **qat)
    else:
        config = AutoencoderConfig(p["arch"], args.dims, "post" if args.faithful else p["recipe"], p["dropout"])
    schedule = {k: p[k] for k in ("epochs", "lr", "schedule")}
    if args.faithful:
        schedule = {"epochs": p["faithful"]["epochs"], "lr": p["faithful"]["lr"], "schedule": "constant"}
    train = TrainConfig(
        schedule["epochs"], p["batch_size"], schedule["lr"], p["loss"], p["optimizer"], p["weight_decay"],
        schedule=schedule["schedule"],
    )  # fmt: skip
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            config, load_split(args.train)["images"], train, params["seed"], on_epoch=on_epoch
        )
    save_torch(args.out, autoencoder_checkpoint(model, **record))


if __name__ == "__main__":
    main()
