"""Stage sweep_eval / sweep_faithful_eval / headline_eval / qat_eval / compressor_eval:
score one autoencoder as a codec at each bits level: a code model fitted on its
training split's codes, the test split rounded, decoded, scored by the classifier and
entropy coded (real bits per image). One record and one codec file per bits level."""

import argparse
from pathlib import Path

from qae.codec.evaluate import evaluate_bits
from qae.images import load_split
from qae.io import write_json
from qae.models import load_autoencoder, load_classifier
from qae.params import load_params
from qae.quantize import bits_name, parse_bits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="autoencoder checkpoint")
    parser.add_argument("--bits", type=parse_bits, nargs="+", help="1..32 or fp32 (default: every sweep.bits)")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON to write: the record, or a list of them with --codecs")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--codec", help="codec file to write (one bits level)")
    target.add_argument("--codecs", help="folder for one codec file per bits level, BITS.pt")
    args = parser.parse_args(argv)
    params = load_params()
    bits_levels = args.bits or [parse_bits(b) for b in params["sweep"]["bits"]]
    if args.codec and len(bits_levels) != 1:
        parser.error("--codec writes one codec: give one --bits level, or --codecs DIR")
    model, classifier = load_autoencoder(args.model), load_classifier(args.classifier)
    p = params["codec"]
    results = evaluate_bits(
        model, classifier, load_split(args.train)["images"], load_split(args.test), bits_levels,
        p["smoothing"], p["table_bits"],
    )  # fmt: skip
    for bits, (record, codec) in zip(bits_levels, results, strict=True):
        codec.save(args.codec or Path(args.codecs) / f"{bits_name(bits)}.pt")
        print(f"bits {bits_name(bits)}: " + ", ".join(f"{k} {v:.4g}" for k, v in record.items() if v is not None))
    if args.codec:  # one level: the record alone (its bits are a param, not a metric)
        write_json(args.out, results[0][0])
    else:
        write_json(
            args.out,
            [{"bits": bits_name(b) if b is None else b, **r} for b, (r, _) in zip(bits_levels, results, strict=True)],
        )


if __name__ == "__main__":
    main()
