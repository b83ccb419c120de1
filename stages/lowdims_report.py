"""Stage lowdims_report: post 004's study in figures and reports/lowdims.md."""

import argparse
from pathlib import Path

import torch

from qae import replicates
from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import lowdims as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.lowdims import POST_004_LOSSES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics-dir", required=True, help="lowdims' curves.json and summary.json")
    parser.add_argument("--replicates", required=True, help="lowdims_replicate's summaries, seed-SEED.json")
    parser.add_argument("--reconstructions", required=True, help="lowdims' digits and reconstructions (.pt)")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["lowdims"]
    curves = read_json(Path(args.metrics_dir) / "curves.json")
    summary = read_json(Path(args.metrics_dir) / "summary.json")
    saved = torch.load(args.reconstructions, weights_only=True)
    write_figures(
        report.figures(curves, summary, POST_004_LOSSES, saved["digits"], saved["reconstructions"]), args.plots
    )
    seeds = [summary, *replicates.load(args.replicates, params["replicates"])]
    write_json(Path(args.metrics_dir) / "seeds.json", seeds)
    write_text(args.report, render("lowdims", report.fields(seeds, POST_004_LOSSES, p["starts"])))


if __name__ == "__main__":
    run(main)
