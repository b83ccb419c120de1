"""A semantic-to-detail codec: first what the digit is, then as much detail as the rate allows.

The codec itself is the library's (`qae.codec.semantic.SemanticCodec`); this study learns
its first index and scores it. The first index names a cluster of a learned
representation, fitted on training images only: the codes of an autoencoder (the
rate-distortion model's, by default) for a subset of the training images, embedded in
2-D by t-SNE and split by a Gaussian mixture (`qae.cluster`). t-SNE cannot place a new
image, so a convnet (the classifier's architecture, one output per cluster) learns to
predict those clusters from randomly distorted pixels; then, for a few rounds, a fresh
one learns from the previous one's labels of every training image (self-labeling: each
round votes out clusters' stray members). The last assigns every image the codec sees.
Labels are never used to fit anything; they only score.

Rates are real: the test set goes through each codec's bitstream and back, and bits per
image is the payload over the number of images.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F

from qae.cluster import cluster_codes, confusion_matrix, mapping_accuracy
from qae.codec.semantic import SemanticCodec, assign
from qae.evaluate import Scorers, score_images
from qae.images import as_unit_images
from qae.io import progress
from qae.models import Autoencoder, Classifier, identity
from qae.runtime import device_of
from qae.train import Augment, EpochLog, train_classifier, training_record


@dataclass(frozen=True)
class SemanticConfig:
    """How the first index is learned; every field comes from params.yaml (section semantic)."""

    images: int  # training images whose codes are embedded and clustered
    clusters: int  # Gaussian mixture components: the first index takes this many values
    perplexity: float  # t-SNE's effective number of neighbours
    epochs: int  # of the convnet that learns the clusters of those images
    relabel_rounds: int  # then how many fresh ones learn every training image, labeled by the previous
    relabel_epochs: int  # of each of those
    batch_size: int
    lr: float  # peak of Adam's one-cycle schedule
    augment: Augment | None  # random affine distortion of every training batch; None: none


def learn_clusters(
    representation: Autoencoder,
    images: torch.Tensor,
    config: SemanticConfig,
    seed: int,
    on_epoch: EpochLog | None = None,
) -> tuple[Classifier, dict[str, Any]]:
    """The first index, learned from uint8 training `images` without labels: t-SNE and a
    Gaussian mixture of `representation`'s codes of `config.images` of them, the convnet
    that predicts those clusters, then `relabel_rounds` rounds of a fresh one taught the
    previous one's clusters of every image. Returns the last network and the training
    record of all of them (one curve: each network's epochs follow the previous one's)."""
    if not config.clusters <= config.images <= len(images):
        raise ValueError(
            f"semantic.images: {config.images} must lie in semantic.clusters ({config.clusters})"
            f"..the training images ({len(images)})"
        )
    chosen = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[: config.images]
    codes = representation.encode_float(images[chosen]).cpu()
    clustered, _ = cluster_codes(codes, "tsne_gmm", config.clusters, seed, config.perplexity)
    history: list[dict[str, float]] = []

    def logged(h: dict[str, float]) -> None:
        history.append({**h, "epoch": len(history) + 1})
        if on_epoch is not None:
            on_epoch(history[-1])

    network = train_cluster_network(images[chosen], torch.from_numpy(clustered), config, config.epochs, seed, logged)
    for round_ in range(1, config.relabel_rounds + 1):
        labeled = assign(network, images)
        network = train_cluster_network(images, labeled, config, config.relabel_epochs, seed + round_, logged)
    recipe = {**asdict(config), "seed": seed, "training_images": len(images)}
    record = training_record(recipe, history, device_of(network))
    network.meta = {"study": "semantic", "method": "semantic", "seed": seed, **record}
    return network, record


def train_cluster_network(
    images: torch.Tensor,
    clusters: torch.Tensor,
    config: SemanticConfig,
    epochs: int,
    seed: int,
    on_epoch: EpochLog | None = None,
) -> Classifier:
    """A fresh cluster network taught to predict `clusters` from uint8 `images`: the
    classifier's recipe with random affine distortions instead of its shifts: rotation
    and zoom make the network learn the digit's shape rather than the noise in its
    clusters, and its test clusters name the digit more often (measured: issue 14's
    notes). In eval mode."""
    network, _ = train_classifier(
        images, clusters, epochs, config.batch_size, config.lr, max_shift=0, seed=seed, on_epoch=on_epoch,
        classes=config.clusters, augment=config.augment, desc="cluster network",
    )  # fmt: skip
    return network


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
    codecs: dict[int, SemanticCodec], scorers: Scorers, test: dict[str, torch.Tensor]
) -> list[dict[str, Any]]:
    """Score each codec on the `test` split through its bitstream: bits per image (the
    payload; `cluster_bits` its cluster stream), each scorer's accuracy and the MSE of
    what the receiver draws, and how often the cluster alone names the digit (each
    cluster mapped to the digit it holds most often, as post 002 scores clusters)."""
    images, labels, records = test["images"], test["labels"], []
    assigned: dict[int, torch.Tensor] = {}  # each network classifies the test set once
    for bits, codec in codecs.items():
        if id(codec.network) not in assigned:
            assigned[id(codec.network)] = assign(codec.network, images)
        data = codec.compress(images, assigned[id(codec.network)])
        codes = codec.decompress_codes(data)
        decoded, sent, clusters = codec.decode(codes), codec.payload_bits(data), codec.network.classes
        records.append(
            {
                **identity(codec.network.meta),
                "setting": f"clusters={clusters}, refine_bits={bits}",
                "clusters": clusters,
                "refine_bits": bits,
                "coded_bits": sent["coded_bits"],
                **score_images(scorers, decoded, labels),
                "mse": float(F.mse_loss(decoded, as_unit_images(images))),
                "cluster_bits": sent["cluster_bits"],
                "cluster_accuracy": mapping_accuracy(confusion_matrix(labels, codes[:, 0], clusters=clusters)),
            }
        )
    return records
