"""Stage compressor_report: the compressors' tables, metrics, figure and
reports/compressor.md."""

import argparse
from pathlib import Path

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.rate import TARGETS
from qae.report import compressor as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.compressor import compressor_summary
from qae.studies.rate_accuracy import METHOD_NAMES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", required=True, help="compressor_eval records, DIMS-BITS.json")
    parser.add_argument("--rd-eval", required=True, help="compressor_rd_eval records")
    parser.add_argument("--metrics-dir", required=True, help="where qat.json, rd.json and summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNG")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    c = load_params()["compressor"]
    qat = [read_json(Path(args.eval_dir) / f"{d}-{b}.json") for d in c["dims"] for b in c["bits"]]
    rd = read_json(args.rd_eval)
    summary = compressor_summary(qat, rd)
    out = Path(args.metrics_dir)
    write_json(out / "qat.json", qat)
    write_json(out / "rd.json", rd)
    write_json(out / "summary.json", summary)
    figure = report.rd_figure(qat, rd, list(TARGETS.values()), METHOD_NAMES)
    write_figures({"rate_accuracy": figure}, args.plots)
    write_text(args.report, render("compressor", report.fields(qat, rd, summary, c["rd"])))


if __name__ == "__main__":
    run(main)
