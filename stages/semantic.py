"""Stage semantic: the semantic-to-detail codec (params semantic). Learns its first index,
a cluster, from the training images without labels, then scores the codec on the test set
at each number of refinement bits through its bitstream: coded bits per image and the
classifiers' accuracy on what the receiver draws. Writes one codec file per number of
refinement bits (`qae compress --codec`)."""

import argparse
from dataclasses import fields
from pathlib import Path

from qae.evaluate import load_scorers
from qae.images import load_split, load_training_images
from qae.io import write_json
from qae.live import training_log
from qae.models import load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.semantic import SemanticConfig, learn_clusters, semantic_codecs, semantic_records
from qae.train import Augment


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--representation", required=True, help="autoencoder checkpoint whose codes are clustered")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--more-images", required=True, help="the other training split: all images join, unlabeled")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--codecs", required=True, type=Path, help="folder for the codec files, R.pt per refine_bits R")
    parser.add_argument("--live", help="folder for the per-epoch training curve (dvclive)")
    parser.add_argument("--out", required=True, help="JSON records to write, one per number of refinement bits")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["semantic"]
    images = load_training_images(args.train, args.more_images, "all")
    augment = Augment.from_params(p["augment"])
    config = SemanticConfig(
        **{f.name: p[f.name] for f in fields(SemanticConfig) if f.name != "augment"}, augment=augment
    )
    representation = load_autoencoder(args.representation)
    with training_log(args.live) as on_epoch:
        network, _ = learn_clusters(representation, images, config, params["seed"], on_epoch)
    codec = params["codec"]
    codecs = semantic_codecs(
        network, images, p["refine_bits"], p["kmeans_iterations"], codec["smoothing"], codec["table_bits"],
        params["seed"],
    )  # fmt: skip
    for bits, c in codecs.items():
        c.save(args.codecs / f"{bits}.pt")
    records = semantic_records(codecs, load_scorers(args.classifier, args.second_classifier), load_split(args.test))
    for r in records:
        print(f"{r['setting']}: {r['coded_bits']:.2f} bits, accuracy {r['accuracy']:.4f}")
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
