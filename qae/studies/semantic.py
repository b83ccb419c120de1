"""A semantic-to-detail codec: first what the digit is, then as much detail as the rate allows.

The codec itself is the library's (`qae.codec.semantic.SemanticCodec`); this study learns
its first index and scores it. The first index names a cluster of a learned
representation, fitted on training images only: the codes of an autoencoder (the
rate-distortion model's, by default) for a subset of the training images, embedded in
2-D by t-SNE and split by a Gaussian mixture (`qae.cluster`). t-SNE cannot place a new
image, so a convnet (the classifier's architecture, one output per cluster) learns to
predict those clusters from the pixels; it then labels every training image, optionally
learns again from all of them, and assigns every image the codec sees. Labels are never
used to fit anything; they only score.

Rates are real: the test set goes through each codec's bitstream and back, and bits per
image is the payload over the number of images.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F

from qae.cluster import cluster_codes, confusion_matrix, mapping_accuracy
from qae.codec.semantic import SemanticCodec, assign
from qae.evaluate import classifier_accuracy
from qae.images import as_unit_images
from qae.io import progress
from qae.models import Autoencoder, Classifier
from qae.train import EpochLog, train_classifier, training_record


@dataclass(frozen=True)
class SemanticConfig:
    """How the first index is learned; every field comes from params.yaml (section semantic)."""

    images: int  # training images whose codes are embedded and clustered
    clusters: int  # Gaussian mixture components: the first index takes this many values
    perplexity: float  # t-SNE's effective number of neighbours
    epochs: int  # of the convnet that learns the clusters of those images
    relabel_epochs: int  # then of a fresh one on every training image, labeled by the first; 0: none
    batch_size: int
    lr: float  # peak of Adam's one-cycle schedule
    max_shift: int  # random translation in pixels while learning the clusters


def learn_clusters(
    representation: Autoencoder,
    images: torch.Tensor,
    config: SemanticConfig,
    seed: int,
    on_epoch: EpochLog | None = None,
) -> tuple[Classifier, dict[str, Any]]:
    """The first index, learned from uint8 training `images` without labels: t-SNE and a
    Gaussian mixture of `representation`'s codes of `config.images` of them, then the
    convnet that predicts those clusters (retrained on every image if `relabel_epochs`).
    Returns the network and its training record."""
    start = time.perf_counter()
    if not config.clusters <= config.images <= len(images):
        raise ValueError(
            f"semantic.images: {config.images} must lie in semantic.clusters ({config.clusters})"
            f"..the training images ({len(images)})"
        )
    chosen = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[: config.images]
    codes = representation.encode_float(images[chosen]).cpu()
    clustered, _ = cluster_codes(codes, "tsne_gmm", config.clusters, seed, config.perplexity)
    network, record = train_cluster_network(
        images[chosen], torch.from_numpy(clustered), config, config.epochs, seed, on_epoch
    )
    history = record["history"]
    if config.relabel_epochs:  # one curve through both: the second's epochs follow the first's
        labeled = assign(network, images)
        shifted = None if on_epoch is None else lambda h: on_epoch({**h, "epoch": h["epoch"] + config.epochs})
        network, more = train_cluster_network(images, labeled, config, config.relabel_epochs, seed, shifted)
        history += [{**h, "epoch": h["epoch"] + config.epochs} for h in more["history"]]
    recipe = {**asdict(config), "seed": seed, "training_images": len(images)}
    return network.eval(), training_record(recipe, history, next(network.parameters()).device, start)


def train_cluster_network(
    images: torch.Tensor,
    clusters: torch.Tensor,
    config: SemanticConfig,
    epochs: int,
    seed: int,
    on_epoch: EpochLog | None,
) -> tuple[Classifier, dict[str, Any]]:
    """A fresh cluster network taught to predict `clusters` from uint8 `images`, as the
    classifier is trained."""
    return train_classifier(
        images, clusters, epochs, config.batch_size, config.lr, config.max_shift, seed, on_epoch, config.clusters
    )


def semantic_codecs(
    network: Classifier,
    train: torch.Tensor,
    refine_bits: list[int],
    iterations: int,
    smoothing: float,
    table_bits: int,
    seed: int,
) -> dict[int, SemanticCodec]:
    """The codec of `network` at each number of refinement bits, fitted on the uint8
    training images `train`."""
    clusters = assign(network, train)
    return {
        bits: SemanticCodec.fit(network, train, bits, iterations, seed, smoothing, table_bits, clusters)
        for bits in progress(refine_bits, "refinement codebooks", unit="rates")
    }


def semantic_records(
    codecs: dict[int, SemanticCodec], classifier: Classifier, test: dict[str, torch.Tensor]
) -> list[dict[str, Any]]:
    """Score each codec on the `test` split through its bitstream: bits per image (the
    payload; `cluster_bits` its cluster stream), the classifier's accuracy and the MSE of
    what the receiver draws, and how often the cluster alone names the digit (each
    cluster mapped to the digit it holds most often, as post 002 scores clusters)."""
    images, labels, records = test["images"], test["labels"], []
    for bits, codec in codecs.items():
        data = codec.compress(images)
        codes = codec.decompress_codes(data)
        decoded, sent, clusters = codec.decode(codes), codec.payload_bits(data), codec.network.classes
        records.append(
            {
                "method": "semantic",
                "setting": f"clusters={clusters}, refine_bits={bits}",
                "bits_per_image": sent["coded_bits"],
                "accuracy": classifier_accuracy(classifier, decoded, labels),
                "mse": float(F.mse_loss(decoded, as_unit_images(images))),
                "refine_bits": bits,
                "cluster_bits": sent["cluster_bits"],
                "cluster_accuracy": mapping_accuracy(confusion_matrix(labels, codes[:, 0], clusters=clusters)),
            }
        )
    return records
