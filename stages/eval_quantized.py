"""Stage eval_quantized: score one autoencoder with its code rounded to `--bits` bits,
and entropy code its test codes with a code model fitted on the training set. With
`--search-weight` (a rate-distortion model's rate weight) the codec searches for
cheaper codes than the rounding, and the record scores those; rounded_accuracy and
rounded_model_bits keep the rounding's."""

import argparse

from qae.codec import Codec, CodeSearch
from qae.data import load_split
from qae.evaluate import evaluate_codec
from qae.io import write_json
from qae.models import load_autoencoder, load_classifier
from qae.params import load_params, parse_bits
from qae.train import pick_device


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="autoencoder checkpoint")
    parser.add_argument("--bits", type=parse_bits, required=True, help="1..32, or fp32 for no quantization")
    parser.add_argument("--classifier", required=True, help="classifier checkpoint")
    parser.add_argument("--train", required=True, help="the autoencoder's training split (.pt), for the code model")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out", required=True, help="JSON record to write")
    parser.add_argument("--codec-out", required=True, help="codec file to write (model + code model)")
    parser.add_argument("--search-weight", type=float, help="search the codes at this rate weight (codec.search)")
    args = parser.parse_args(argv)
    params = load_params()
    device = pick_device()
    test = load_split(args.test)
    model = load_autoencoder(args.model, device)
    classifier = load_classifier(args.classifier, device)
    p = params["codec"]
    search = None
    if args.search_weight is not None and p["search"]["candidates"] > 0:
        search = CodeSearch(args.search_weight, p["search"]["candidates"], p["search"]["rounds"])
    codec = Codec.fit(model, load_split(args.train)["images"], args.bits, p["smoothing"], p["table_bits"], search)
    record = evaluate_codec(codec, classifier, test["images"], test["labels"], params["eval"]["batch_size"])
    codec.save(args.codec_out)
    write_json(args.out, record)
    print(", ".join(f"{k} {v:.4g}" for k, v in record.items() if v is not None))


if __name__ == "__main__":
    main()
