"""Stage baselines: JPEG, WebP, PNG, gzip, PCA and the label floor, scored with the
classifier on the test set (bits per image, accuracy)."""

import argparse

from qae.baselines import image_codec_records, label_record, lossless_records, pca_records
from qae.data import load_split
from qae.evaluate import classifier_accuracy
from qae.io import write_json
from qae.models import load_classifier
from qae.params import load_params
from qae.train import pick_device


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for PCA")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write")
    args = parser.parse_args(argv)
    params = load_params()
    p, batch_size = params["baselines"], params["eval"]["batch_size"]
    classifier = load_classifier(args.classifier, pick_device())
    test = load_split(args.test)
    images, labels = test["images"], test["labels"]
    raw_accuracy = classifier_accuracy(classifier, images, labels, batch_size)
    records = [label_record(raw_accuracy), *lossless_records(images, raw_accuracy)]
    records += image_codec_records(classifier, images, labels, "JPEG", p["jpeg_quality"], batch_size)
    records += image_codec_records(classifier, images, labels, "WEBP", p["webp_quality"], batch_size, method=6)
    train = load_split(args.train)["images"]
    coder = {"smoothing": params["codec"]["smoothing"], "table_bits": params["codec"]["table_bits"]}
    records += pca_records(classifier, train, images, labels, p["pca_k"], p["pca_bits"], **coder, batch_size=batch_size)
    write_json(args.out, records)
    print(f"{len(records)} records")


if __name__ == "__main__":
    main()
