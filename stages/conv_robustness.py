"""Stage conv_robustness: test MSE and both classifiers' accuracy of the plain and the denoising
conv autoencoder of one dims under gaussian noise and occlusion of increasing strength."""

import argparse

from qae.evaluate import load_scorers
from qae.images import load_split
from qae.io import write_json
from qae.models import load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.conv import robustness_scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plain", required=True, help="conv autoencoder checkpoint")
    parser.add_argument("--denoising", required=True, help="denoising conv autoencoder checkpoint")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write")
    args = parser.parse_args(argv)
    params = load_params()
    r = params["conv"]["robustness"]
    test, scorers = load_split(args.test), load_scorers(args.classifier, args.second_classifier)
    records = []
    for training, path in (("plain", args.plain), ("denoising", args.denoising)):
        model = load_autoencoder(path)
        scores = robustness_scores(
            model, scorers, test["images"], test["labels"], r["noise_std"], r["patch"], params["seed"]
        )
        records += [{"dims": model.config.width, "training": training, **s} for s in scores]
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
