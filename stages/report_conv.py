"""Stage report_conv: post 003's results as one table, nested metrics and figures."""

import argparse
from pathlib import Path

from qae.io import read_json, write_json
from qae.params import load_params
from qae.plots import write_conv_plots
from qae.results import robustness_summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", required=True, help="trials.json from the search stage")
    parser.add_argument("--robustness-dir", required=True, help="folder of robustness records, one per dims")
    parser.add_argument("--out-dir", required=True, help="where robustness.json and summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    dims = load_params()["tradeoff"]["dims"]
    records = [r for d in dims for r in read_json(Path(args.robustness_dir) / f"{d}.json")]
    write_json(Path(args.out_dir) / "robustness.json", records)
    write_json(Path(args.out_dir) / "summary.json", robustness_summary(records))
    write_conv_plots(read_json(args.trials), records, args.plots)


if __name__ == "__main__":
    main()
