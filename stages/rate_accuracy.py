"""Stage rate_accuracy: the baselines and the autoencoder sweeps on one axis: a table,
bits_at_97 / bits_at_98 per method, and the figure."""

import argparse

from qae.io import read_json, write_json, write_text
from qae.plots import write_rate_accuracy_plot
from qae.rate import COLUMNS, summary, sweep_records
from qae.results import to_csv


def named_path(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    return name, path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baselines", required=True, help="records of the baselines stage")
    parser.add_argument(
        "--sweep", type=named_path, action="append", default=[], help="METHOD=results.json of an autoencoder sweep"
    )
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--out-dir", required=True, help="where records.{json,csv} and summary.json go")
    parser.add_argument("--plot", required=True, help="the figure (PNG) to write")
    args = parser.parse_args(argv)
    records = read_json(args.baselines)
    for method, path in args.sweep:
        records += sweep_records(read_json(path), method)
    write_json(f"{args.out_dir}/records.json", records)
    write_text(f"{args.out_dir}/records.csv", to_csv(records, COLUMNS))
    metrics = summary(records)
    write_json(f"{args.out_dir}/summary.json", metrics)
    raw_accuracy = read_json(args.classifier_metrics)["test_accuracy"]
    write_rate_accuracy_plot(records, raw_accuracy, args.plot)
    for method, m in metrics.items():
        print(f"{method:>16}: {m['bits_at_97']} bits for 97%, {m['bits_at_98']} for 98%")


if __name__ == "__main__":
    main()
