"""Stage report_qat: quantization-aware training next to quantizing after training, and
the compressor study's models, as tables for people and for the rate_accuracy stage."""

import argparse
from pathlib import Path

from qae.io import write_json, write_text
from qae.params import load_params
from qae.plots import write_qat_plots
from qae.results import COLUMNS, load_records, qat_records, qat_summary, rd_records, rd_summary, summary, to_csv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", required=True, help="records of the post-training sweep")
    parser.add_argument("--qat-eval-dir", required=True, help="records of the quantization-aware models")
    parser.add_argument("--compressor-eval-dir", required=True, help="records of the compressor study")
    parser.add_argument("--rd-eval-dir", required=True, help="records of the rate-distortion models")
    parser.add_argument("--out-dir", required=True, help="where results.{json,csv}, aware/compressor/rd.json go")
    parser.add_argument("--plots", required=True, help="folder for the PNG")
    args = parser.parse_args(argv)
    params = load_params()
    records = qat_records(args.eval_dir, args.qat_eval_dir, params["sweep"]["dims"], params["qat"]["bits"])
    compressor = params["compressor"]
    compressed = load_records(args.compressor_eval_dir, compressor["dims"], compressor["bits"])
    out = Path(args.out_dir)
    write_json(out / "results.json", records)
    write_text(out / "results.csv", to_csv(records, ["training", *COLUMNS]))
    write_json(out / "aware.json", [r for r in records if r["training"] == "aware"])
    write_json(out / "compressor.json", compressed)
    rd = rd_records(args.rd_eval_dir, params["rd"]["dims"], params["rd"]["weights"], params["rd"]["code_bits"])
    write_json(out / "rd.json", rd)
    write_json(out / "summary.json", {**qat_summary(records), "compressor": summary(compressed), "rd": rd_summary(rd)})
    write_qat_plots(records, args.plots)


if __name__ == "__main__":
    main()
