"""Stage aggregate: the sweep's records as one table and one nested metrics file."""

import argparse

from qae.data import load_split
from qae.evaluate import gzip_baseline
from qae.params import load_params
from qae.results import load_records, write_results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", required=True, help="folder of eval_quantized records")
    parser.add_argument("--test", required=True, help="test split (.pt), for the gzip baseline")
    parser.add_argument("--out-dir", required=True, help="where results.{json,csv} and summary.json go")
    args = parser.parse_args(argv)
    sweep = load_params()["sweep"]
    records = load_records(args.eval_dir, sweep["dims"], sweep["bits"])
    write_results(records, gzip_baseline(load_split(args.test)["images"]), args.out_dir)
    print(f"{len(records)} records")


if __name__ == "__main__":
    main()
