"""Stage eval_quantized@DIMS-BITS (and headline_eval, sweep_faithful_eval@DIMS,
qat_eval@DIMS-BITS, compressor_eval@DIMS-BITS): one autoencoder scored as a codec at each
`--bits` level: a code model fitted on its training split's codes, the test split
quantized, decoded, scored by both classifiers and entropy coded (real bits per image).
One self-describing record and one codec file per bits level."""

import argparse
from pathlib import Path

from qae.codec.evaluate import evaluate_points
from qae.evaluate import load_scorers, measures
from qae.images import load_split
from qae.io import write_json
from qae.models import identity, load_autoencoder
from qae.params import load_params
from qae.quantize import bits_name, parse_bits
from qae.stage import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="autoencoder checkpoint")
    parser.add_argument(
        "--bits", type=parse_bits, nargs="+", help="1..32 or fp32, one or several (default: sweep.bits)"
    )
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--second-classifier", required=True, help="the second scorer's checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON to write: the record, or a list of them with --codecs")
    parser.add_argument("--measures-only", action="store_true", help="write the measurements alone (a metrics file)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--codec", help="codec file to write (one bits level)")
    target.add_argument("--codecs", help="folder for one codec file per bits level, BITS.pt")
    args = parser.parse_args(argv)
    params = load_params()
    bits_levels = args.bits or [parse_bits(b) for b in params["sweep"]["bits"]]
    if args.codec and len(bits_levels) != 1:
        parser.error("--codec writes one codec: give one --bits level, or --codecs DIR")
    p = params["codec"]
    model, scorers = load_autoencoder(args.model), load_scorers(args.classifier, args.second_classifier)
    results = evaluate_points(
        model, scorers, load_split(args.train)["images"], load_split(args.test), bits_levels,
        p["smoothing"], p["table_bits"],
    )  # fmt: skip
    records = []
    for bits, (record, codec) in zip(bits_levels, results, strict=True):
        codec.save(args.codec or Path(args.codecs) / f"{bits_name(bits)}.pt")
        records.append({**identity(model.meta), **record})
        print(", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in record.items()))
    if args.measures_only:
        records = [measures(r) for r in records]
    write_json(args.out, records[0] if args.codec else records)


if __name__ == "__main__":
    run(main)
