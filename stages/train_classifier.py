"""Stage train_classifier: post 000's CNN, and its accuracy on the raw test images."""

import argparse

from qae.data import load_split
from qae.evaluate import classifier_accuracy
from qae.io import save_torch, write_json
from qae.models import classifier_checkpoint
from qae.params import load_params
from qae.train import train_classifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="classifier split (.pt)")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="JSON metrics to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["classifier"]
    train = load_split(args.train)
    model, history = train_classifier(
        train["images"], train["labels"], p["epochs"], p["batch_size"], p["lr"], p["max_shift"], params["seed"]
    )
    test = load_split(args.test)
    accuracy = classifier_accuracy(model, test["images"], test["labels"], params["eval"]["batch_size"])
    save_torch(args.out, classifier_checkpoint(model, history=history))
    write_json(args.metrics, {"test_accuracy": accuracy, "train_loss": round(history[-1]["loss"], 6)})
    print(f"classifier: test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
