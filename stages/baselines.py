"""Stage baselines: JPEG, WebP, PNG, gzip, quantized PCA, pixel codebooks (k-means and
the nearest training image) and the label floor, scored with both classifiers on the test
set (bits per image, accuracy)."""

import argparse

import torch

from qae.evaluate import load_scorers, score_images
from qae.images import load_split
from qae.io import write_json
from qae.params import load_params
from qae.stage import run
from qae.studies.baselines import (
    codebook_records,
    image_codec_records,
    label_record,
    lossless_records,
    pca_records,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for PCA")
    parser.add_argument("--more-images", help="more training images for the codebooks (.pt), labels unused")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write")
    args = parser.parse_args(argv)
    params = load_params()
    p, codec = params["baselines"], params["codec"]
    scorers = load_scorers(args.classifier, args.second_classifier)
    test = load_split(args.test)
    images, labels = test["images"], test["labels"]
    raw_accuracy = score_images(scorers, images, labels)
    records = [label_record(raw_accuracy), *lossless_records(images, raw_accuracy)]
    records += image_codec_records(scorers, images, labels, "JPEG", p["jpeg_quality"])
    records += image_codec_records(scorers, images, labels, "WEBP", p["webp_quality"], method=6)
    train = load_split(args.train)["images"]
    records += pca_records(
        scorers, train, images, labels, p["pca_k"], p["pca_bits"], codec["smoothing"], codec["table_bits"]
    )
    if args.more_images:
        train = torch.cat([train, load_split(args.more_images)["images"]])
    records += codebook_records(
        scorers, train, images, labels, p["kmeans_k"], p["kmeans_iterations"], params["seed"], p["kmeans_tolerance"]
    )
    write_json(args.out, records)
    print(f"{len(records)} records")


if __name__ == "__main__":
    run(main)
