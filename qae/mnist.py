"""MNIST on disk: the IDX file format both ways, and the experiment's splits.

Only the split stage (and `qae compress` for IDX input) needs this module; every
other stage reads the split files with `qae.images.load_split`. Fetching the files
is `qae.download`'s job.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import torch

from qae.errors import UserError
from qae.io import save_torch

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_TRAIN_SIZE = 60_000
_IDX_UBYTE = 0x08


class IDXError(UserError, ValueError):
    """Bytes that are not a well-formed uint8 IDX file."""


def parse_idx(data: bytes) -> torch.Tensor:
    """Decode the bytes of a uint8 IDX file (not gzipped) into a uint8 tensor."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise IDXError("not an IDX file: bad magic number")
    if data[2] != _IDX_UBYTE:
        raise IDXError(f"unsupported IDX element type 0x{data[2]:02x}; only uint8 (0x08)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError("truncated IDX header")
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(torch.Size(shape).numel())
    if len(data) != expected:
        raise IDXError(f"IDX body has {len(data) - header} bytes, shape {shape} needs {expected - header}")
    return torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8).reshape(shape)


def idx_bytes(tensor: torch.Tensor) -> bytes:
    """The bytes of a uint8 IDX file holding `tensor` (what `parse_idx` reads)."""
    shape = b"".join(int(n).to_bytes(4, "big") for n in tensor.shape)
    return bytes([0, 0, _IDX_UBYTE, tensor.dim()]) + shape + tensor.to(torch.uint8).contiguous().numpy().tobytes()


def read_idx(path: str | os.PathLike) -> torch.Tensor:
    """Read an IDX file, gzipped (.gz) or not."""
    raw = Path(path).read_bytes()
    return parse_idx(gzip.decompress(raw) if str(path).endswith(".gz") else raw)


def load_mnist(raw_dir: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The four IDX files of `raw_dir` as uint8 tensors keyed like IDX_FILES."""
    mnist = {key: read_idx(Path(raw_dir) / name) for key, name in IDX_FILES.items()}
    for part in ("train", "test"):
        if len(mnist[f"{part}_images"]) != len(mnist[f"{part}_labels"]):
            raise IDXError(f"{part}: {len(mnist[f'{part}_images'])} images but {len(mnist[f'{part}_labels'])} labels")
    return mnist


def validation_size(n: int, val_fraction: float) -> int:
    """How many of `n` autoencoder images the validation split holds."""
    return round(n * val_fraction)


def make_splits(
    mnist: dict[str, torch.Tensor], classifier_size: int, autoencoder_size: int, val_fraction: float, seed: int
) -> dict[str, dict[str, torch.Tensor]]:
    """Post 000's split: the first `classifier_size` training images for the classifier,
    the next `autoencoder_size` for the autoencoders, the test set to evaluate; plus a
    seeded train/validation split of the autoencoder set (post 003's 80/20)."""
    images, labels = mnist["train_images"], mnist["train_labels"]
    if classifier_size + autoencoder_size > len(images):
        raise ValueError(
            f"split.classifier_size + split.autoencoder_size = {classifier_size + autoencoder_size} "
            f"but the training set has {len(images)} images"
        )
    ae = slice(classifier_size, classifier_size + autoencoder_size)
    order = torch.randperm(autoencoder_size, generator=torch.Generator().manual_seed(seed))
    val = order[: validation_size(autoencoder_size, val_fraction)].sort().values
    return {
        "classifier": {"images": images[:classifier_size].clone(), "labels": labels[:classifier_size].clone()},
        "autoencoder": {"images": images[ae].clone(), "labels": labels[ae].clone()},
        "validation": {"index": val},  # rows of the autoencoder split; its own file, so only users of it rerun
        "test": {"images": mnist["test_images"].clone(), "labels": mnist["test_labels"].clone()},
    }


def save_splits(splits: dict[str, dict[str, torch.Tensor]], out_dir: str | os.PathLike) -> None:
    """One file per split (`classifier.pt`, `autoencoder.pt`, `validation.pt`, `test.pt`),
    so a stage depends only on the split it reads."""
    for name, tensors in splits.items():
        save_torch(Path(out_dir) / f"{name}.pt", tensors)
