"""Stage train_second_classifier: the second scorer, a classifier of another architecture
(params second_classifier) trained on the other half of the training images, so that
no accuracy rests on one network alone; and its accuracy on the raw test images."""

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
    parser.add_argument("--train", required=True, help="its training split (.pt)")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--live", help="folder for the per-epoch training curves (dvclive)")
    parser.add_argument("--metrics", required=True, help="JSON metrics to write")
    args = parser.parse_args(argv)
    params = load_params()
    p, seed = params["second_classifier"], params["seed"]
    train, test = load_split(args.train), load_split(args.test)
    with training_log(args.live) as on_epoch:
        model, record = train_classifier(
            train["images"], train["labels"], p["epochs"], p["batch_size"], p["lr"], p["max_shift"], seed, on_epoch,
            desc="second classifier", arch=p["arch"],
        )  # fmt: skip
    accuracy = classifier_accuracy(model, test["images"], test["labels"])
    save_torch(args.out, classifier_checkpoint(model, study="second_classifier", method=p["arch"], seed=seed, **record))
    write_json(args.metrics, {"test_accuracy": accuracy})
    print(f"second classifier ({p['arch']}): test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run(main)
