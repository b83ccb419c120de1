import gzip
import time

import pytest

from qae.download import MIRROR_ENV, DownloadError, download_mnist, sources
from tests.helpers import SAMPLE_MIRROR, sample_sha256

FILES = sorted(sample_sha256())


def test_a_local_mirror_gives_the_four_verified_files(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, str(SAMPLE_MIRROR))
    download_mnist(tmp_path / "raw", [], sample_sha256(), timeout_s=1)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == FILES
    raw = (tmp_path / "raw" / "t10k-labels-idx1-ubyte").read_bytes()
    assert raw == gzip.decompress((SAMPLE_MIRROR / "t10k-labels-idx1-ubyte.gz").read_bytes())


def test_the_environment_mirror_comes_before_the_public_ones():
    assert sources(["https://a", "https://b"], {MIRROR_ENV: "/m"}) == ["/m", "https://a", "https://b"]
    assert sources(["https://a"], {}) == ["https://a"]


def test_a_file_url_mirror_works(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, SAMPLE_MIRROR.as_uri())
    download_mnist(tmp_path, [], sample_sha256(), timeout_s=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == FILES


def test_a_checksum_mismatch_fails_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, str(SAMPLE_MIRROR))
    wrong = dict(sample_sha256(), **{"train-images-idx3-ubyte": "0" * 64})
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_mnist(tmp_path / "raw", [], wrong, timeout_s=1)
    assert not (tmp_path / "raw" / "train-images-idx3-ubyte").exists()
    assert not [p for p in (tmp_path / "raw").glob("*") if p.name.startswith(".")]


def test_a_truncated_download_is_rejected(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for f in SAMPLE_MIRROR.glob("*.gz"):
        data = f.read_bytes()
        (mirror / f.name).write_bytes(data[: len(data) // 2])
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    with pytest.raises(DownloadError, match=r"EOFError|BadGzipFile"):
        download_mnist(tmp_path / "raw", [], sample_sha256(), timeout_s=1)
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").iterdir())


def test_unreachable_sources_fail_fast_naming_each_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path / "nowhere"))
    closed_port = "http://127.0.0.1:9/mnist"  # discard port: nothing listens here
    start = time.monotonic()
    with pytest.raises(DownloadError) as err:
        download_mnist(tmp_path / "raw", [closed_port], sample_sha256(), timeout_s=2)
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert str(tmp_path / "nowhere") in message and closed_port in message
    assert MIRROR_ENV in message
