"""Post 002's report: the confusion matrices and the embedding, and the numbers of
reports/digits.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from qae.findings import CONFIDENCE, Estimate
from qae.report.figures import DIGIT_COLORS, digit_legend
from qae.report.phrases import comparison
from qae.report.tables import pct


def confusion_figure(confusion: np.ndarray, mapping: np.ndarray, accuracy: float, title: str) -> plt.Figure:
    """Post 002's matrix: rows the actual digit, columns the neuron or cluster, ordered by
    the digit each is mapped to (labelled below), so a good mapping shows a diagonal."""
    order = np.argsort(mapping, kind="stable")
    counts = confusion[:, order]
    fig, ax = plt.subplots(figsize=(8, 7))
    image = ax.imshow(counts, cmap="Blues")
    for r in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            dark = counts[r, c] > counts.max() / 2
            ax.text(c, r, str(counts[r, c]), ha="center", va="center", fontsize=9, color="w" if dark else "k")
    used = confusion.sum(0) > 0
    ax.set_xticks(range(len(order)), [f"{k}\n\u2192{mapping[k]}" if used[k] else f"{k}\n\u2013" for k in order])
    ax.set_yticks(range(counts.shape[0]))
    ax.set_xlabel("neuron / cluster (\u2192 the digit it is mapped to; \u2013: holds no test image)")
    ax.set_ylabel("actual digit")
    ax.set_title(f"{title}\nmapping accuracy {accuracy:.1%}")
    fig.colorbar(image, ax=ax, fraction=0.046, label="test images")
    return fig


def embedding_figure(embedding: np.ndarray, labels: torch.Tensor, clusters: np.ndarray) -> plt.Figure:
    """The 2-D embedding that was clustered, coloured by actual digit, with each
    cluster's id at its median position."""
    fig, ax = plt.subplots(figsize=(8, 6.5))
    ax.scatter(embedding[:, 0], embedding[:, 1], c=DIGIT_COLORS[labels.numpy()], s=3, alpha=0.5, linewidths=0)
    for k in np.unique(clusters):
        x, y = np.median(embedding[clusters == k], axis=0)
        ax.text(x, y, f"c{k}", fontsize=11, weight="bold", ha="center", bbox={"fc": "w", "alpha": 0.7, "lw": 0})
    digit_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # off the points
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("t-SNE of the autoencoder's codes (colour: actual digit; cN: clusters)")
    return fig


TITLES = {
    "softmax": "Post 002: most active neuron of the softmax code",
    "clusters": "Clusters of the autoencoder's codes (t-SNE + Gaussian mixture)",
    "kmeans": "k-means of the autoencoder's codes",
}


def figures(scores: dict[str, dict[str, Any]], embedding: np.ndarray | None, labels: torch.Tensor,
            clusters: np.ndarray) -> dict[str, plt.Figure]:  # fmt: skip
    """A confusion matrix per assignment (softmax neuron, clusters, k-means) and the
    embedding the clusters were found in, if any."""
    drawn = {
        f"{name}_confusion": confusion_figure(s["confusion"], s["mapping"], s["mapping_accuracy"], TITLES[name])
        for name, s in scores.items()
    }
    if embedding is not None:
        drawn["embedding"] = embedding_figure(embedding, labels, clusters)
    return drawn


def fields(
    summary: dict[str, dict[str, Any]], post_accuracy: float, codes_dims: int, method: str, softmax: dict[str, Any]
) -> dict[str, Any]:
    """The numbers reports/digits.md quotes; `softmax` is params' digits section."""
    return {
        "post_accuracy": pct(post_accuracy, 0),
        "softmax_recipe": softmax["recipe"],
        "softmax_epochs": softmax["epochs"],
        "codes_dims": codes_dims,
        "method": method,
        **{f"{name}_accuracy": interval_text(s) for name, s in summary.items()},
        "confidence": CONFIDENCE,
        "kmeans_vs_clusters": sentence(
            comparison(
                f"{CLUSTERINGS.get(method, method)} of the codes",
                Estimate.of_accuracy([summary["clusters"]["mapping_accuracy"]], summary["clusters"]["images"]),
                "k-means of the codes",
                Estimate.of_accuracy([summary["kmeans"]["mapping_accuracy"]], summary["kmeans"]["images"]),
                pct,
                "mapping accuracy",
            )
        ),
        **{f"{name}_covered": s["digits_covered"] for name, s in summary.items()},
    }


def interval_text(score: dict[str, Any]) -> str:
    """A mapping accuracy with its interval over the test images (one seed of clustering)."""
    e = Estimate.of_accuracy([score["mapping_accuracy"]], score["images"])
    return f"{pct(e.mean)} ({pct(e.low)}-{pct(e.high)})"


CLUSTERINGS = {"tsne_gmm": "t-SNE and a Gaussian mixture", "kmeans": "k-means"}


def sentence(text: str) -> str:
    """`text` with its first letter capitalized, the rest as it is."""
    return text[:1].upper() + text[1:]
