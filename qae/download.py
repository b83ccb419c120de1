"""Fetch the four MNIST IDX files from a mirror and verify them.

Sources are tried in order: the QAE_MNIST_MIRROR environment variable (a local
directory or a URL base holding the `.gz` files), then the public mirrors in
params.yaml. A file is kept only once the SHA-256 of its decompressed bytes
matches, and it is moved into place atomically, so a failed or partial download
never leaves a file DVC could cache.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

from qae.errors import UserError
from qae.io import Progress, write_bytes
from qae.mnist import IDX_FILES

MIRROR_ENV = "QAE_MNIST_MIRROR"


class DownloadError(UserError, RuntimeError):
    """No source gave a verified copy of an MNIST file."""


def sources(mirrors: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The sources to try, in order: $QAE_MNIST_MIRROR if set, then `mirrors`."""
    env = os.environ if env is None else env
    local = env.get(MIRROR_ENV, "").strip()
    return ([local] if local else []) + list(mirrors)


def _is_url(source: str) -> bool:
    return "://" in source


def fetch(source: str, filename: str, timeout_s: float) -> bytes:
    """The bytes of `filename` from `source`, a directory or a URL base."""
    if not _is_url(source):
        folder = Path(source)
        if not folder.is_dir():
            raise FileNotFoundError(f"no such directory: {folder}")
        return (folder / filename).read_bytes()
    url = source.rstrip("/") + "/" + filename
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        total = int(response.headers.get("Content-Length") or 0)
        chunks = []
        with Progress(max(total, 1), filename, "bytes", enabled=total > 0) as bar:
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                bar.update(len(chunk))
    return b"".join(chunks)


def fetch_verified(source: str, name: str, sha256: str, timeout_s: float) -> bytes:
    """The decompressed bytes of IDX file `name` from `source`, checked against `sha256`."""
    data = gzip.decompress(fetch(source, name + ".gz", timeout_s))
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(f"checksum mismatch: SHA-256 {digest}, expected {sha256}")
    return data


def download_mnist(out_dir: str | os.PathLike, mirrors: list[str], sha256: dict[str, str], timeout_s: float) -> None:
    """Write the four verified, decompressed IDX files into `out_dir`."""
    tried = sources(mirrors)
    for name in IDX_FILES.values():
        failures = []
        for source in tried:
            try:
                data = fetch_verified(source, name, sha256[name], timeout_s)
            except Exception as err:  # any failure of a source means: try the next one
                failures.append(f"  {source}: {type(err).__name__}: {err}")
                continue
            write_bytes(Path(out_dir) / name, data)
            print(f"{name}: verified, from {source}")
            break
        else:
            raise DownloadError(
                f"could not get a verified copy of {name}.gz. Tried:\n"
                + "\n".join(failures)
                + f"\nOffline? Point {MIRROR_ENV} at a directory (or URL) holding the four MNIST "
                f".gz files, e.g. {MIRROR_ENV}=/path/to/mnist dvc repro"
            )
