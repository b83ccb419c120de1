"""Stage digits: post 002's question, can an autoencoder tell the digits apart without
labels? Scores the softmax autoencoder's most active neuron, and clusters of the best
autoencoder's codes, by the accuracy of mapping each to its most frequent digit."""

import argparse
from pathlib import Path

from qae import analysis_plots as figures
from qae.cluster import cluster_codes, confusion_rows, score
from qae.data import load_split
from qae.io import write_json, write_json_records
from qae.models import load_autoencoder
from qae.params import load_params
from qae.train import encode_float, pick_device


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--softmax", required=True, help="softmax autoencoder checkpoint (train_softmax)")
    parser.add_argument("--codes-model", required=True, help="autoencoder whose codes are clustered")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--out-dir", required=True, help="where summary.json and the confusion records go")
    parser.add_argument("--plots", required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    params = load_params()
    p, seed = params["digits"], params["seed"]
    test = load_split(args.test)
    images, labels = test["images"], test["labels"]
    device = pick_device()

    neurons = encode_float(load_autoencoder(args.softmax, device), images.to(device), 1000).argmax(1).cpu().numpy()
    codes = encode_float(load_autoencoder(args.codes_model, device), images.to(device), 1000).cpu()
    clusters, embedding = cluster_codes(codes, p["method"], 10, seed, p["perplexity"])
    kmeans, _ = cluster_codes(codes, "kmeans", 10, seed)
    results = {"softmax": score(labels, neurons), "clusters": score(labels, clusters), "kmeans": score(labels, kmeans)}

    out, plots = Path(args.out_dir), Path(args.plots)
    write_json(
        out / "summary.json",
        {name: {k: r[k] for k in ("mapping_accuracy", "digits_covered")} for name, r in results.items()},
    )
    titles = {
        "softmax": "Post 002: most active neuron of the softmax code",
        "clusters": f"Clusters ({p['method']}) of {Path(args.codes_model).stem}-dim autoencoder codes",
        "kmeans": f"k-means of {Path(args.codes_model).stem}-dim autoencoder codes",
    }
    for name, assigned in (("softmax", neurons), ("clusters", clusters), ("kmeans", kmeans)):
        r = results[name]
        if name != "kmeans":  # the baseline gets its PNG only
            write_json_records(out / f"{name}_confusion.json", confusion_rows(labels, assigned, r["mapping"]))
        fig = figures.confusion_figure(r["confusion"], r["mapping"], r["mapping_accuracy"], titles[name])
        figures.save(fig, plots / f"{name}_confusion.png")
    if embedding is not None:
        figures.save(figures.embedding_figure(embedding, labels, clusters), plots / "embedding.png")


if __name__ == "__main__":
    main()
