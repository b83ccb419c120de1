"""Stage eval_quantized: score one autoencoder with its code rounded to `--bits` bits,
and entropy code its test codes with a code model fitted on the training set."""

import argparse

from qae.codec import Codec, coding_metrics
from qae.data import load_split
from qae.evaluate import evaluate_quantized
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
    args = parser.parse_args(argv)
    params = load_params()
    device = pick_device()
    test = load_split(args.test)
    model = load_autoencoder(args.model, device)
    record = evaluate_quantized(
        model,
        load_classifier(args.classifier, device),
        test["images"],
        test["labels"],
        args.bits,
        params["eval"]["batch_size"],
    )
    p = params["codec"]
    codec = Codec.fit(model, load_split(args.train)["images"], args.bits, p["smoothing"], p["table_bits"])
    record |= coding_metrics(codec, test["images"])
    codec.save(args.codec_out)
    write_json(args.out, record)
    print(", ".join(f"{k} {v:.4g}" for k, v in record.items() if v is not None))


if __name__ == "__main__":
    main()
