"""Stage latent_report: post 003's section V in figures and reports/latent.md."""

import argparse

import torch

from qae.images import load_split
from qae.io import read_json, write_text
from qae.params import load_params
from qae.report import latent as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.latent import nearest_other


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--study", required=True, help="the latent stage's tensors (.pt)")
    parser.add_argument("--metrics", required=True, help="the latent stage's metrics (.json)")
    parser.add_argument("--test", required=True, help="test split (.pt), for the labels")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    p = load_params()["latent"]
    study = torch.load(args.study, weights_only=True)
    write_figures(report.figures(study, load_split(args.test)["labels"], p["samples_per_row"]), args.plots)
    fields = report.fields(read_json(args.metrics), p["grid"], p["jump_factor"], nearest_other(study["centroids"]))
    write_text(args.report, render("latent", fields))


if __name__ == "__main__":
    run(main)
