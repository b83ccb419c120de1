"""Stage qat_report: quantization-aware training next to quantizing after training: the
table, metrics, figure and reports/qat.md."""

import argparse
from pathlib import Path

import pandas as pd

from qae.io import read_json, write_json, write_text
from qae.params import load_params
from qae.report import qat as report
from qae.report.figures import write_figures
from qae.report.render import render
from qae.stage import run
from qae.studies.qat import qat_records, qat_summary, qat_table
from qae.studies.sweep import load_cells, load_replicates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", required=True, help="the sweep's eval_quantized records, DIMS-BITS.json")
    parser.add_argument("--sweep-replicates", required=True, help="sweep_replicate records, SEED.json")
    parser.add_argument("--eval-dir", required=True, help="qat_eval records, DIMS-BITS.json")
    parser.add_argument("--replicates", required=True, help="qat_replicate records, SEED.json")
    parser.add_argument("--metrics-dir", required=True, help="where results.{json,csv}, aware.json, summary.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNG")
    parser.add_argument("--report", required=True, help="the markdown report to write")
    args = parser.parse_args(argv)
    params = load_params()
    dims, bits, seeds = params["sweep"]["dims"], params["qat"]["bits"], params["replicates"]
    aware = [read_json(Path(args.eval_dir) / f"{d}-{b}.json") for d in dims for b in bits]
    aware += load_replicates(args.replicates, seeds)
    after = load_cells(args.cells, dims, bits) + load_replicates(args.sweep_replicates, seeds)
    after = [r for r in after if r["method"] == "autoencoder" and r["dims"] in dims]  # not the posts' recipe
    rows = qat_table(qat_records(after, aware, bits))
    summary = qat_summary(rows)
    out = Path(args.metrics_dir)
    write_json(out / "results.json", rows)
    write_text(out / "results.csv", pd.DataFrame(rows).to_csv(index=False, float_format="%.6g"))
    write_json(out / "aware.json", [r for r in rows if r["training"] == "aware"])
    write_json(out / "summary.json", summary)
    write_figures({"qat_vs_post_training": report.qat_figure(rows)}, args.plots)
    write_text(args.report, render("qat", report.fields(rows, summary)))


if __name__ == "__main__":
    run(main)
