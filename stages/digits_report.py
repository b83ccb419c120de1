"""Stage digits_report: post 002's study in figures and reports/digits.md."""

import argparse

import torch

from qae.images import load_split
from qae.io import read_json, write_text
from qae.params import load_params
from qae.report import digits as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.digits import POST_002_MAPPING_ACCURACY, score


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", required=True, help="digits_cluster's assignments (.pt)")
    parser.add_argument("--summary", required=True, help="digits_cluster's summary.json")
    parser.add_argument("--test", required=True, help="test split (.pt), for the labels")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    p = load_params()["digits"]
    saved = torch.load(args.clusters, weights_only=True)
    labels = load_split(args.test)["labels"]
    assigned = {name: a.numpy() for name, a in saved["assigned"].items()}
    embedding = None if saved["embedding"] is None else saved["embedding"].numpy()
    scores = {name: score(labels, a) for name, a in assigned.items()}
    write_figures(report.figures(scores, embedding, labels, assigned["clusters"]), args.plots)
    fields = report.fields(read_json(args.summary), POST_002_MAPPING_ACCURACY, p["codes_dims"], p["method"], p)
    write_text(args.report, render("digits", fields))


if __name__ == "__main__":
    run(main)
