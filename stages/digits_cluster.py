"""Stage digits_cluster: post 002's question, can an autoencoder tell the digits apart
without labels? The softmax autoencoder's most active neuron, and clusters of the
sweep's best autoencoder's codes, each scored by mapping it to its most frequent digit."""

import argparse
from pathlib import Path

import torch

from qae.cluster import cluster_codes
from qae.images import load_split
from qae.io import save_torch, write_json, write_json_records
from qae.models import load_autoencoder
from qae.params import load_params
from qae.stage import run
from qae.studies.digits import confusion_rows, score


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--softmax", required=True, help="softmax autoencoder checkpoint (digits_softmax)")
    parser.add_argument("--codes-model", required=True, help="autoencoder whose codes are clustered")
    parser.add_argument("--test", required=True, help="test split (.pt)")
    parser.add_argument("--metrics-dir", required=True, help="where summary.json and the confusion records go")
    parser.add_argument("--out", required=True, help="assignments and embedding, for the report (.pt)")
    args = parser.parse_args(argv)
    params = load_params()
    p, seed = params["digits"], params["seed"]
    test = load_split(args.test)
    images, labels = test["images"], test["labels"]
    neurons = load_autoencoder(args.softmax).encode_float(images).argmax(1).cpu().numpy()
    codes = load_autoencoder(args.codes_model).encode_float(images).cpu()
    clusters, embedding = cluster_codes(codes, p["method"], 10, seed, p["perplexity"])
    kmeans, _ = cluster_codes(codes, "kmeans", 10, seed)
    assigned = {"softmax": neurons, "clusters": clusters, "kmeans": kmeans}
    scores = {name: score(labels, a) for name, a in assigned.items()}
    out = Path(args.metrics_dir)
    write_json(
        out / "summary.json",
        {
            n: {**{k: s[k] for k in ("mapping_accuracy", "digits_covered")}, "images": len(labels)}
            for n, s in scores.items()
        },
    )
    for name in ("softmax", "clusters"):  # DVC's confusion plots; the k-means baseline gets its figure only
        write_json_records(
            out / f"{name}_confusion.json", confusion_rows(labels, assigned[name], scores[name]["mapping"])
        )
    tensors = {name: torch.as_tensor(a) for name, a in assigned.items()}
    save_torch(args.out, {"assigned": tensors, "embedding": None if embedding is None else torch.as_tensor(embedding)})


if __name__ == "__main__":
    run(main)
