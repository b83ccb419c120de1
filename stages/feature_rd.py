"""Stage feature_rd: the rate-distortion model's codes searched for what the class needs
(params feature_rd). Each candidate feature weight is tried at every rate level on
validation images; the one most accurate within the budget scores the test set, and
each of its rate levels is written as a codec file (`qae compress --codec`)."""

import argparse
from pathlib import Path

from qae.codec.base import load_codec
from qae.evaluate import load_scorers
from qae.images import load_split
from qae.io import write_json
from qae.models import load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.feature_rd import choose_feature_weight, feature_network, search_records, validation_split


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="rate-distortion checkpoint")
    parser.add_argument("--features", required=True, help="a semantic codec file: its cluster network's features")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--validation", required=True, help="validation index (.pt): rows of --train")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--validation-out", required=True, help="JSON records of every weight on validation images")
    parser.add_argument("--out", required=True, help="JSON records of the chosen weight on the test set")
    parser.add_argument("--codecs", required=True, type=Path, help="folder for one codec file per rate weight")
    args = parser.parse_args(argv)
    params = load_params()
    p, codec = params["feature_rd"], params["codec"]
    model, scorers = load_autoencoder(args.model), load_scorers(args.classifier, args.second_classifier)
    features = feature_network(load_codec(args.features, model.device), args.features)
    train = load_split(args.train)
    validation = validation_split(train, load_split(args.validation)["index"], p["validation_images"])

    def scored(images: dict, weight: float) -> list:
        """Records and codecs of `images` at every rate level, the search weighing features by `weight`."""
        search = codec["search"]
        return search_records(
            model, features, scorers, train["images"], images, weight,
            search["candidates"], search["rounds"], codec["smoothing"], codec["table_bits"],
        )  # fmt: skip

    tried = []
    for weight in p["feature_weights"]:
        for record, _ in scored(validation, weight):
            print(f"validation: feature weight {weight:g}, {record['coded_bits']:.2f} bits, {record['accuracy']:.4f}")
            tried.append({**record, "split": "validation"})
    chosen = choose_feature_weight(tried, p["budget_bits"])
    print(f"chosen on validation: feature weight {chosen:g}")
    records = []
    for record, c in scored(load_split(args.test), chosen):
        c.save(args.codecs / f"{record['rate_weight']}.pt")
        print(f"test: {record['coded_bits']:.2f} bits, accuracy {record['accuracy']:.4f}")
        records.append({**record, "split": "test"})
    write_json(args.validation_out, tried)
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
