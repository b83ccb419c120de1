"""Stage qat_replicate@SEED: the quantization-aware models again at another seed (params
replicates): every sweep.dims x qat.bits, each scored at the bits it trained at. Records
only: they give the qat study's comparisons their spread."""

import argparse

from qae.evaluate import load_scorers
from qae.images import load_split
from qae.io import write_json
from qae.params import load_params
from qae.stage import run
from qae.studies.qat import replicate


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
        params["sweep"], params["qat"], args.seed, load_split(args.train)["images"],
        load_scorers(args.classifier, args.second_classifier), load_split(args.test),
        codec["smoothing"], codec["table_bits"],
    )  # fmt: skip
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
