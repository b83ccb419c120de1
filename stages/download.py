"""Stage download: fetch the four MNIST IDX files, verified, into OUT_DIR."""

import argparse

from qae.download import download_mnist
from qae.params import load_params
from qae.stage import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir")
    args = parser.parse_args(argv)
    params = load_params()["download"]
    download_mnist(args.out_dir, params["mirrors"], params["sha256"], params["timeout_s"])


if __name__ == "__main__":
    run(main)
