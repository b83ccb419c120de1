"""Stage robustness: test MSE and classifier accuracy of a plain and a denoising conv
autoencoder under gaussian noise and occlusion of increasing strength (post 003)."""

import argparse

from qae.corrupt import corruption, robustness_levels
from qae.data import load_split
from qae.evaluate import evaluate_corrupted
from qae.io import write_json
from qae.models import load_autoencoder, load_classifier
from qae.params import load_params
from qae.train import pick_device


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plain", required=True, help="conv autoencoder checkpoint")
    parser.add_argument("--denoising", required=True, help="denoising conv autoencoder checkpoint")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write")
    args = parser.parse_args(argv)
    params = load_params()
    device = pick_device()
    test = load_split(args.test)
    classifier = load_classifier(args.classifier, device)
    levels = robustness_levels(params["robustness"]["noise_std"], params["robustness"]["patch"])
    records = []
    for training, path in (("plain", args.plain), ("denoising", args.denoising)):
        model = load_autoencoder(path, device)
        for kind, level in levels:
            scores = evaluate_corrupted(
                model, classifier, test["images"], test["labels"], corruption(kind, level),
                params["eval"]["batch_size"], params["seed"],
            )  # fmt: skip
            records.append(
                {"dims": model.config.dims, "training": training, "corruption": kind, "level": level, **scores}
            )
    write_json(args.out, records)


if __name__ == "__main__":
    main()
