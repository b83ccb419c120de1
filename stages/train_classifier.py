"""Stage train_classifier: post 000's CNN, the scorer of every study, and its accuracy on
the raw test images."""

import argparse

from qae.evaluate import classifier_accuracy
from qae.images import load_split
from qae.io import save_torch, write_json
from qae.live import training_log
from qae.models import classifier_checkpoint
from qae.params import load_params
from qae.stage import run
from qae.train import train_classifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="classifier split (.pt)")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    parser.add_argument("--metrics", required=True, help="JSON metrics to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["classifier"]
    train, test = load_split(args.train), load_split(args.test)
    with training_log(args.live) as on_epoch:
        model, record = train_classifier(
            train["images"], train["labels"], p["epochs"], p["batch_size"], p["lr"], p["max_shift"], params["seed"],
            on_epoch,
        )  # fmt: skip
    accuracy = classifier_accuracy(model, test["images"], test["labels"])
    save_torch(args.out, classifier_checkpoint(model, study="classifier", method="classifier", **record))
    write_json(args.metrics, {"test_accuracy": accuracy})
    print(f"classifier: test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run(main)
