"""Write the small real-MNIST sample the tests serve as a local mirror.

Usage: python tests/data/make_mnist_sample.py MIRROR_DIR [OUT_DIR]
Takes the first 1,000 training and 200 test images (and labels) of the four IDX
files in MIRROR_DIR and writes them, gzipped reproducibly, with SHA256SUMS of the
decompressed bytes, into OUT_DIR (default: tests/data/mnist-sample).
"""

import gzip
import hashlib
import sys
from pathlib import Path

from qae.mnist import IDX_FILES, idx_bytes, read_idx

COUNTS = {"train": 1000, "t10k": 200}


def main() -> None:
    src = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "mnist-sample"
    out.mkdir(parents=True, exist_ok=True)
    sums = []
    for name in IDX_FILES.values():
        data = idx_bytes(read_idx(src / f"{name}.gz")[: COUNTS[name.split("-")[0]]])
        (out / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    (out / "SHA256SUMS").write_text("".join(sums))


if __name__ == "__main__":
    main()
