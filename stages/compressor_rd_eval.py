"""Stage compressor_rd_eval: the variable-rate model as a codec at each of its rate
levels, whose codes the encode-time search moves at that level's rate weight; beside
each, the encoder's rounding alone."""

import argparse
from pathlib import Path

from qae.codec.evaluate import evaluate_search
from qae.codec.search import CodeSearch
from qae.evaluate import load_scorers
from qae.images import load_split
from qae.io import write_json
from qae.models import identity, load_autoencoder
from qae.params import load_params
from qae.stage import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="rate-distortion checkpoint")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write, one per rate weight")
    parser.add_argument("--codecs", required=True, help="folder for one codec file per rate weight, WEIGHT.pt")
    args = parser.parse_args(argv)
    p = load_params()["codec"]
    model, scorers = load_autoencoder(args.model), load_scorers(args.classifier, args.second_classifier)
    train, test = load_split(args.train)["images"], load_split(args.test)
    records = []
    for level in model.bottleneck.points:
        search = CodeSearch(model.bottleneck.rate_weights[level], p["search"]["candidates"], p["search"]["rounds"])
        record, codec = evaluate_search(model, scorers, train, test, level, search, p["smoothing"], p["table_bits"])
        codec.save(Path(args.codecs) / f"{record['rate_weight']}.pt")
        print(", ".join(f"{k} {v:.4g}" for k, v in record.items()))
        records.append({**identity(model.meta), **record})
    write_json(args.out, records)


if __name__ == "__main__":
    run(main)
