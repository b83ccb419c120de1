"""Stage conv_report: post 003's study in one table, its metrics, figures and
reports/conv.md."""

import argparse
from pathlib import Path

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import conv as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.conv import POST_003_BEST, best_trial, robustness_summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", required=True, help="trials.json from the search stage")
    parser.add_argument("--search", required=True, help="the search's summary (the aggregate stage's search.json)")
    parser.add_argument("--robustness-dir", required=True, help="conv_robustness records, one file per dims")
    parser.add_argument("--metrics-dir", required=True, help="where robustness.json and summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    c = load_params()["conv"]
    trials = read_json(args.trials)
    records = [r for d in c["tradeoff"]["dims"] for r in read_json(Path(args.robustness_dir) / f"{d}.json")]
    summary = read_json(args.search)
    write_json(Path(args.metrics_dir) / "robustness.json", records)
    write_json(Path(args.metrics_dir) / "summary.json", {**summary, "robustness": robustness_summary(records)})
    write_figures(report.figures(trials, records), args.plots)
    best = {k: best_trial(trials)[k] for k in [*POST_003_BEST, "epochs_run"]}
    noise, patch = max(c["robustness"]["noise_std"]), max(c["robustness"]["patch"])
    fields = report.fields(summary, best, POST_003_BEST, records, noise, patch)
    write_text(args.report, render("conv", fields))


if __name__ == "__main__":
    run(main)
