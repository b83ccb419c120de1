"""Stage search: post 003's random hyper-parameter search for the conv autoencoder."""

import argparse
from pathlib import Path

from qae.data import load_split
from qae.io import write_json, write_text
from qae.params import load_params
from qae.results import to_csv
from qae.search import HPARAMS, Priors, SearchSetup, best_trial, run_search, sample_trials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--validation", required=True, help="validation index (.pt)")
    parser.add_argument("--out-dir", required=True, help="trials.json, trials.csv, best.json, summary.json")
    args = parser.parse_args(argv)
    params = load_params()
    s, conv = params["search"], params["conv"]
    priors = Priors(
        tuple(s["lr"]), tuple(s["weight_decay"]), tuple(s["dropout"]), tuple(s["epochs"]), tuple(s["epoch_probs"])
    )
    images = load_split(args.train)["images"]
    is_val = images.new_zeros(len(images), dtype=bool)
    is_val[load_split(args.validation)["index"]] = True
    setup = SearchSetup(s["dims"], conv["batch_size"], conv["epochs_scale"], params["seed"])
    trials = sample_trials(priors, s["trials"], params["seed"])
    records = run_search(trials, setup, images[~is_val], images[is_val], s["workers"])
    best = best_trial(records)
    out = Path(args.out_dir)
    write_json(out / "trials.json", records)
    columns = ["trial", *HPARAMS, "epochs_run", "val_loss", "seconds", "status"]
    write_text(out / "trials.csv", to_csv(records, columns))
    write_json(out / "best.json", {k: best[k] for k in HPARAMS})
    failed = sum(r["status"] != "ok" for r in records)
    write_json(out / "summary.json", {"best_val_loss": best["val_loss"], "trials": len(records), "failed": failed})
    print(f"best of {len(records)} trials ({failed} failed): {best}")


if __name__ == "__main__":
    main()
