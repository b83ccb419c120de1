"""Stage rate_accuracy: the baselines and every autoencoder family on one axis: a table,
bits_at_97 / bits_at_98 per method, the figure and reports/rate_accuracy.md."""

import argparse
from pathlib import Path

import pandas as pd

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.rate import TARGETS
from qae.report import rate_accuracy as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.rate_accuracy import (
    COLUMNS,
    METHOD_NAMES,
    best_summary,
    methods,
    on_axis,
    pareto_front,
    summary,
    target_table,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", action="append", required=True, help="a study's records (JSON list)")
    parser.add_argument("--vq", required=True, help="folder of the vq stages' records, QUANTIZER.json")
    parser.add_argument("--classifier-metrics", required=True, help="classifier.json, for the raw accuracy")
    parser.add_argument("--second-classifier-metrics", required=True, help="second_classifier.json, likewise")
    parser.add_argument("--semantic", required=True, help="the semantic study's records, for their own table")
    parser.add_argument("--feature-rd-validation", required=True, help="feature_rd's validation records")
    parser.add_argument("--metrics-dir", required=True, help="where records.{json,csv}, methods.json, summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNG")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    params = load_params()
    paths = [*args.records, *(Path(args.vq) / f"{q}.json" for q in params["vq"]["quantizers"])]
    raw = [r for path in paths for r in read_json(path)]
    records = on_axis(raw)
    out = Path(args.metrics_dir)
    write_json(out / "records.json", records)
    write_text(out / "records.csv", pd.DataFrame(records, columns=COLUMNS).to_csv(index=False, float_format="%.6g"))
    write_json(out / "methods.json", summary(records))
    write_json(out / "summary.json", best_summary(records))
    raw_accuracy = {
        "accuracy": read_json(args.classifier_metrics)["test_accuracy"],
        "second_accuracy": read_json(args.second_classifier_metrics)["test_accuracy"],
    }
    feature_rd = {
        "validation": read_json(args.feature_rd_validation),
        "test": [r for r in raw if r["method"] == "feature_rd"],
        "plain": [r for r in raw if r["method"] == "compressor_rd"],
        "budget_bits": params["feature_rd"]["budget_bits"],
        "weights": params["feature_rd"]["feature_weights"],
    }
    fronts = {m: pareto_front([r for r in records if r["method"] == m]) for m in methods(records)}
    overall = pareto_front([r for r in records if r["method"] not in report.FLOORS])
    targets = list(TARGETS.values())
    figure = report.rate_accuracy_figure(records, fronts, overall, raw_accuracy["accuracy"], targets, METHOD_NAMES)
    write_figures({"rate_accuracy": figure}, args.plots)
    write_text(
        args.report,
        render(
            "rate_accuracy",
            report.fields(
                target_table(records), records, raw_accuracy, METHOD_NAMES, read_json(args.semantic), feature_rd
            ),
        ),
    )


if __name__ == "__main__":
    run(main)
