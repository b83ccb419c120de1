"""Stage latent: post 003's section V on the 2-D conv autoencoder: centroids, samples
of their box, and the smoothness of D(x, y) as metrics and figures."""

import argparse
from pathlib import Path

from qae import analysis_plots as figures
from qae.data import load_split
from qae.io import write_json
from qae.latent import study
from qae.models import load_autoencoder
from qae.params import load_params
from qae.train import pick_device


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="autoencoder checkpoint with a 2-D code")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--metrics", required=True, help="JSON metrics to write")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    params = load_params()
    p = params["latent"]
    test = load_split(args.test)
    model = load_autoencoder(args.model, pick_device())
    s = study(model, test["images"], test["labels"], p["grid"], p["samples"], p["jump_factor"], params["seed"])
    write_json(args.metrics, {k: round(v, 6) for k, v in s["metrics"].items()})
    out = Path(args.plots)
    figures.save(figures.latent_scatter(s["codes"], test["labels"], s["centroids"]), out / "codes.png")
    figures.save(figures.sample_grid(s["samples"], p["samples_per_row"]), out / "samples.png")
    figures.save(figures.distance_surface_3d(s["xs"], s["ys"], s["surface"], s["centroids"]), out / "distance_3d.png")
    top = figures.distance_top_view(s["xs"], s["ys"], s["surface"], s["basins"], s["centroids"])
    figures.save(top, out / "distance_top.png")


if __name__ == "__main__":
    main()
