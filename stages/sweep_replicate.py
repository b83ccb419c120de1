"""Stage sweep_replicate@SEED: the sweep's models again at another seed (params
replicates): every sweep.dims and the posts' recipe as written at sweep.faithful.dims,
each scored at every sweep.bits as the eval_quantized cells are. Records only: the card's
cells keep the models and codecs of `seed`; these give the findings their spread."""

import argparse

from qae.evaluate import load_scorers
from qae.images import load_split
from qae.io import write_json
from qae.params import load_params
from qae.stage import run
from qae.studies.sweep import replicate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, required=True, help="one of params replicates")
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write")
    args = parser.parse_args(argv)
    params = load_params()
    codec = params["codec"]
    records = replicate(
        params["sweep"], args.seed, load_split(args.train)["images"],
        load_scorers(args.classifier, args.second_classifier), load_split(args.test),
        codec["smoothing"], codec["table_bits"],
    )  # fmt: skip
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
