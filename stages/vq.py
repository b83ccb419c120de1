"""Stage vq: one vector-quantized autoencoder (params vq.QUANTIZER), trained without
labels on the training images, then scored as a codec at each code length it offers
(real bitstreams: coded bits per image, and the classifier's accuracy on the decoded
test set)."""

import argparse
from pathlib import Path

from qae.images import load_split, load_training_images
from qae.io import save_torch, write_json
from qae.live import training_log
from qae.models import load_classifier
from qae.params import load_params
from qae.studies.vq import evaluate_vq, vq_config
from qae.train import TrainConfig
from qae.vq.models import vq_checkpoint
from qae.vq.train import train_vq_autoencoder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quantizer", required=True, help="vqvae, rvq or fsq (a key of params vq)")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--more-images", required=True, help="a split whose images join in if vq.images is all")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    parser.add_argument("--codecs", required=True, help="folder for one codec file per code length, DIMS.pt")
    parser.add_argument("--out", required=True, help="JSON records to write, one per code length")
    args = parser.parse_args(argv)
    params = load_params()
    vq = params["vq"]
    images = load_training_images(args.train, args.more_images, vq["images"])
    config = vq_config(vq, args.quantizer)
    train = TrainConfig(vq["epochs"], vq["batch_size"], vq["lr"], "bce", "adam", 0.0, schedule=vq["schedule"])
    with training_log(args.live) as on_epoch:
        model, record = train_vq_autoencoder(config, images, train, params["seed"], on_epoch=on_epoch)
    save_torch(args.model, vq_checkpoint(model, **record))
    classifier, test = load_classifier(args.classifier), load_split(args.test)
    results = evaluate_vq(model, classifier, images, test, params["codec"]["smoothing"])
    for rec, codec in results:
        codec.save(Path(args.codecs) / f"{rec['dims']}.pt")
        print(", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()))
    write_json(args.out, [rec for rec, _ in results])


if __name__ == "__main__":
    main()
