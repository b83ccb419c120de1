"""Stage compressor_rd_eval: the variable-rate model as a codec at each of its rate
levels, whose codes the encode-time search moves at that level's rate weight; beside
each, the encoder's rounding alone."""

import argparse
from pathlib import Path

from qae.codec.evaluate import evaluate_search
from qae.codec.search import CodeSearch
from qae.images import load_split
from qae.io import write_json
from qae.models import load_autoencoder, load_classifier
from qae.params import load_params


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="rate-distortion checkpoint")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON records to write, one per rate weight")
    parser.add_argument("--codecs", required=True, help="folder for one codec file per rate weight, WEIGHT.pt")
    args = parser.parse_args(argv)
    params = load_params()
    rd, p = params["compressor"]["rd"], params["codec"]
    model, classifier = load_autoencoder(args.model), load_classifier(args.classifier)
    train, test = load_split(args.train)["images"], load_split(args.test)
    searches = [CodeSearch(w, p["search"]["candidates"], p["search"]["rounds"]) for w in rd["rate_weights"]]
    results = [
        evaluate_search(
            model.at_rate_level(level),
            classifier,
            train,
            test,
            rd["code_bits"],
            search,
            p["smoothing"],
            p["table_bits"],
        )
        for level, search in enumerate(searches)
    ]
    for record, codec in results:
        codec.save(Path(args.codecs) / f"{record['rate_weight']}.pt")
        print(", ".join(f"{k} {v:.4g}" for k, v in record.items()))
    write_json(args.out, [record for record, _ in results])


if __name__ == "__main__":
    main()
