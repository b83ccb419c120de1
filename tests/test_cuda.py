"""On a GPU, where there is one: models land on the chosen device and bitstreams move
between devices. Skipped without CUDA (CI has none); the rest of the suite pins the CPU."""

import pytest
import torch

from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.models import AutoencoderConfig, build_autoencoder
from qae.train import TrainConfig, train_autoencoder

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture
def images() -> torch.Tensor:
    return torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def test_training_puts_the_model_on_the_qae_device(images, monkeypatch):
    monkeypatch.setenv("QAE_DEVICE", "cuda")
    train = TrainConfig(1, 32, 1e-3, "bce", "adam", 0.0)
    model, record = train_autoencoder(AutoencoderConfig("linear", 4), images, train, seed=0)
    assert model.device.type == "cuda" and record["run"]["device"].startswith("cuda")


def test_a_bitstream_written_on_the_gpu_decodes_on_the_cpu(images, tmp_path):
    torch.manual_seed(0)
    Codec.fit(build_autoencoder(AutoencoderConfig("linear", 8)).eval(), images, 4).save(tmp_path / "c.pt")
    gpu, cpu = load_codec(tmp_path / "c.pt", "cuda"), load_codec(tmp_path / "c.pt", "cpu")
    data = gpu.compress(images)
    assert torch.equal(cpu.decompress_codes(data), gpu.decompress_codes(data))
    assert torch.allclose(cpu.decompress(data), gpu.decompress(data), atol=1e-5)
