"""Stage vq@QUANTIZER: one vector-quantized autoencoder (params vq.QUANTIZER), trained
without labels on the training images, then scored as a codec at each code length it
offers (real bitstreams: coded bits per image, and both classifiers' accuracy on the
decoded test set)."""

import argparse
from pathlib import Path

from qae.codec.evaluate import evaluate_points
from qae.evaluate import load_scorers
from qae.images import load_split, load_training_images
from qae.io import save_torch, write_json
from qae.live import training_log
from qae.models import autoencoder_checkpoint, identity
from qae.params import load_params
from qae.recipes import vector_quantized
from qae.stage import run
from qae.train import TrainConfig, train_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quantizer", required=True, help="vqvae, rvq or fsq (one of params vq.quantizers)")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--more-images", required=True, help="a split whose images join in if vq.images is all")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    parser.add_argument("--codecs", required=True, help="folder for one codec file per code length, DIMS.pt")
    parser.add_argument("--out", required=True, help="JSON records to write, one per code length")
    args = parser.parse_args(argv)
    params = load_params()
    vq, seed = params["vq"], params["seed"]
    images = load_training_images(args.train, args.more_images, vq["images"])
    with training_log(args.live) as on_epoch:
        model, record = train_autoencoder(
            vector_quantized(vq, args.quantizer), images, TrainConfig.from_params(vq), seed, on_epoch=on_epoch
        )
    model.meta = {"study": "vq", "method": args.quantizer, "seed": seed, **record}
    save_torch(args.model, autoencoder_checkpoint(model))
    points = [p for p in model.bottleneck.points if p is not None] or [None]  # rvq: every prefix
    results = evaluate_points(
        model, load_scorers(args.classifier, args.second_classifier), images, load_split(args.test), points,
        params["codec"]["smoothing"], params["codec"]["table_bits"],
    )  # fmt: skip
    records = []
    for rec, codec in results:
        codec.save(Path(args.codecs) / f"{rec['dims']}.pt")
        print(", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()))
        records.append({**identity(model.meta), **rec})
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
