"""A semantic-to-detail codec: first what the digit is, then as much detail as the rate allows.

The first index names a cluster of a learned representation, fitted on training images
only: the codes of an autoencoder (the rate-distortion model's, by default) for a subset
of the training images, embedded in 2-D by t-SNE and split by a Gaussian mixture
(`qae.cluster`). t-SNE cannot place a new image, so a convnet (the classifier's
architecture, one output per cluster) learns to predict those clusters from the pixels;
it then labels every training image, optionally learns again from all of them, and
assigns every image the codec sees. The refinement is the index of the nearest codeword
of a pixel k-means codebook fitted on the training images of the same cluster: 2^r
codewords for r refinement bits; with r = 0 the receiver draws the cluster's mean image.
Labels are never used to fit anything; they only score.

Rates are real: the test set's cluster indices and refinement indices are range coded
(`qae.codec.entropy`) with tables of their training frequencies, and bits per image is
the payload over the number of images.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from qae.cluster import cluster_codes, confusion_matrix, mapping_accuracy
from qae.codebook import kmeans, nearest_codeword
from qae.codec.entropy import decode_codes, encode_codes, fit_counts, probabilities
from qae.evaluate import classifier_accuracy
from qae.images import as_unit_images, batch_slices
from qae.io import progress
from qae.models import Autoencoder, Classifier, classifier_checkpoint, read_checkpoint
from qae.runtime import eval_batch, make_deterministic, pick_device
from qae.train import EpochLog, fit, random_shift, training_record, with_channel


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


def cluster_network(clusters: int) -> Classifier:
    """The classifier's architecture with one output per cluster instead of per digit."""
    model = Classifier()
    model.net[-1] = nn.Linear(model.net[-1].in_features, clusters)
    return model


def train_cluster_network(
    images: torch.Tensor,
    targets: torch.Tensor,
    config: SemanticConfig,
    epochs: int,
    seed: int,
    on_epoch: EpochLog | None = None,
) -> tuple[Classifier, list[dict[str, float]]]:
    """A fresh `cluster_network` taught to predict `targets` (cluster ids) from uint8
    `images`, as the classifier is trained: cross-entropy, one-cycle Adam, random shifts."""
    generator = make_deterministic(seed)
    device = pick_device()
    model = cluster_network(config.clusters).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    steps = epochs * -(-len(images) // config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)

    def batch_loss(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(random_shift(as_unit_images(xb), config.max_shift, generator)), yb)

    data = (with_channel(images).to(device), targets.long().to(device))
    desc = f"clusters of {len(images)} images"
    history = fit(
        model, optimizer, batch_loss, data, epochs, config.batch_size, generator, desc, scheduler, on_epoch=on_epoch
    )
    return model, history


@torch.inference_mode()
def assign(network: Classifier, images: torch.Tensor) -> torch.Tensor:
    """The cluster `network` puts each uint8 image in: (N,) int64 on the CPU."""
    device = next(network.parameters()).device
    images = images.to(device)  # once: no host copy per batch
    return torch.cat(
        [network(as_unit_images(images[s])).argmax(1).cpu() for s in batch_slices(len(images), eval_batch())]
    )


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
    network, history = train_cluster_network(
        images[chosen], torch.from_numpy(clustered), config, config.epochs, seed, on_epoch
    )
    if config.relabel_epochs:  # one curve through both: the second's epochs follow the first's
        labeled = assign(network, images)
        shifted = None if on_epoch is None else lambda h: on_epoch({**h, "epoch": h["epoch"] + config.epochs})
        network, more = train_cluster_network(images, labeled, config, config.relabel_epochs, seed, shifted)
        history += [{**h, "epoch": h["epoch"] + config.epochs} for h in more]
    recipe = {**asdict(config), "seed": seed, "training_images": len(images)}
    return network.eval(), training_record(recipe, history, next(network.parameters()).device, start)


def refinement_codebooks(
    images: torch.Tensor, clusters: torch.Tensor, count: int, bits: int, iterations: int, seed: int
) -> list[torch.Tensor]:
    """Per cluster id in 0..count-1, a k-means codebook of up to 2^`bits` codewords of the
    uint8 `images` in it (fewer if it holds fewer images; an empty one: the blank image)."""
    books = []
    for c in range(count):
        own = images[clusters == c]
        books.append(kmeans(own, min(2**bits, len(own)), iterations, seed) if len(own) else torch.zeros(1, 784))
    return books


def refinement_index(images: torch.Tensor, clusters: torch.Tensor, books: list[torch.Tensor]) -> torch.Tensor:
    """Each uint8 image's refinement index: its nearest codeword in the codebook of its
    own cluster (`clusters`, (N,) ids into `books`). (N,) int64."""
    x = as_unit_images(images).flatten(1)
    index = torch.zeros(len(x), dtype=torch.long)
    for c, book in enumerate(books):
        rows = clusters == c
        if rows.any():
            index[rows] = nearest_codeword(x[rows], book)
    return index


def draw(clusters: torch.Tensor, index: torch.Tensor, books: list[torch.Tensor]) -> torch.Tensor:
    """What the receiver draws for each (cluster, refinement index): that codeword of that
    cluster's codebook, (N, 1, 28, 28) in [0, 1]."""
    drawn = torch.zeros(len(clusters), 784)
    for c, book in enumerate(books):
        rows = clusters == c
        drawn[rows] = book[index[rows]]
    return drawn.reshape(-1, 1, 28, 28)


def range_code(
    train: torch.Tensor, test: torch.Tensor, bits: int, smoothing: float, table_bits: int
) -> tuple[bytes, torch.Tensor]:
    """Range code the (N,) indices `test` of `bits` bits with a table of the `train`
    indices' frequencies; returns the payload and the indices it decodes to (0 bits:
    nothing is sent and every index is 0)."""
    if bits == 0:
        return b"", torch.zeros_like(test)
    probs = probabilities(fit_counts(train[:, None], bits, table_bits), smoothing)
    payload = encode_codes(test[:, None], probs, bits, table_bits)
    return payload, decode_codes(payload, probs, bits, table_bits, len(test))[:, 0]


def semantic_records(
    network: Classifier,
    classifier: Classifier,
    train: torch.Tensor,
    test: dict[str, torch.Tensor],
    refine_bits: list[int],
    iterations: int,
    smoothing: float,
    table_bits: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Score the codec at each number of refinement bits on the `test` split: bits per
    image (the payloads of the cluster and the refinement streams), the classifier's
    accuracy and the MSE of the images drawn from what those streams decode to, and how
    often the cluster alone names the digit (each cluster mapped to the digit it holds
    most often, as post 002 scores clusters)."""
    clusters = cluster_network_outputs(network)
    train_ids, test_ids = assign(network, train), assign(network, test["images"])
    id_bits = max(1, math.ceil(math.log2(clusters)))
    first, sent_ids = range_code(train_ids, test_ids, id_bits, smoothing, id_bits)
    named = mapping_accuracy(confusion_matrix(test["labels"], test_ids, clusters=clusters))
    n, records = len(test_ids), []
    for bits in progress(refine_bits, "refinement", unit="rates"):
        books = refinement_codebooks(train, train_ids, clusters, bits, iterations, seed)
        index = refinement_index(test["images"], test_ids, books)
        rest, sent_index = range_code(refinement_index(train, train_ids, books), index, bits, smoothing, table_bits)
        decoded = draw(sent_ids, sent_index, books)  # from what the streams decode to, as a receiver would
        records.append(
            {
                "method": "semantic",
                "setting": f"clusters={clusters}, refine_bits={bits}",
                "bits_per_image": 8 * (len(first) + len(rest)) / n,
                "accuracy": classifier_accuracy(classifier, decoded, test["labels"]),
                "mse": float(F.mse_loss(decoded, as_unit_images(test["images"]))),
                "refine_bits": bits,
                "cluster_bits": 8 * len(first) / n,
                "cluster_accuracy": named,
            }
        )
    return records


def cluster_network_outputs(network: Classifier) -> int:
    """How many clusters a `cluster_network` tells apart."""
    return network.net[-1].out_features


def semantic_checkpoint(network: Classifier, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of the cluster network: the classifier's, of its own
    kind and with its number of clusters; `meta` says how it was made."""
    return {**classifier_checkpoint(network, **meta), "kind": "semantic", "clusters": cluster_network_outputs(network)}


def load_cluster_network(path: str | os.PathLike, device: str | torch.device = "auto") -> Classifier:
    """The cluster network a `semantic_checkpoint` file holds, in eval mode, on `device`."""
    ckpt = read_checkpoint(path, "semantic", "semantic codec checkpoint")
    network = cluster_network(ckpt["clusters"])
    network.load_state_dict(ckpt["state_dict"])
    return network.to(pick_device(device)).eval()
