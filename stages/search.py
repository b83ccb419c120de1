"""Stage search: post 003's random hyper-parameter search for the conv autoencoder (the
design card's "hyperparam random search"). Trials run in parallel, $QAE_WORKERS processes
(default: one per core, or per GPU); the records do not depend on how many. With
$QAE_SEARCH_STORAGE set (an Optuna database URL or journal file), the trials run as an
Optuna study that other machines join by running this same command with the same
storage; the records are the same."""

import argparse
from pathlib import Path

import pandas as pd

from qae.images import load_split
from qae.io import write_json, write_text
from qae.params import load_params
from qae.runtime import search_storage, workers
from qae.stage import run
from qae.studies.conv import HPARAMS, Priors, SearchSetup, best_trial, run_search, sample_trials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="autoencoder split (.pt)")
    parser.add_argument("--validation", required=True, help="validation index (.pt)")
    parser.add_argument("--out-dir", required=True, help="where trials.json, trials.csv and best.json go")
    args = parser.parse_args(argv)
    params = load_params()
    c = params["conv"]
    s = c["search"]
    priors = Priors.from_params(s)
    images = load_split(args.train)["images"]
    is_val = images.new_zeros(len(images), dtype=bool)
    is_val[load_split(args.validation)["index"]] = True
    setup = SearchSetup(
        s["dims"], c["batch_size"], s["epochs_scale"], params["seed"], c["arch"], c["loss"], c["optimizer"]
    )
    trials = sample_trials(priors, s["trials"], params["seed"])
    if storage := search_storage():
        from qae.studies.conv_optuna import run_study  # optuna is optional: loaded only when asked for

        records = run_study(trials, priors, setup, images[~is_val], images[is_val], workers(), storage)
    else:
        records = run_search(trials, setup, images[~is_val], images[is_val], workers())
    best = best_trial(records)
    out = Path(args.out_dir)
    write_json(out / "trials.json", records)
    columns = ["trial", *HPARAMS, "epochs_run", "val_loss", "status"]
    write_text(out / "trials.csv", pd.DataFrame(records, columns=columns).to_csv(index=False, float_format="%.6g"))
    write_json(out / "best.json", {k: best[k] for k in HPARAMS})
    print(f"best of {len(records)} trials: {best}")


if __name__ == "__main__":
    run(main)
