import subprocess
import sys

import pandas as pd
import pytest
import torch

from qae.io import save_torch
from qae.models import AutoencoderConfig, autoencoder_checkpoint
from qae.train import (
    Augment,
    DivergedError,
    TrainConfig,
    bce_with_logits,
    lr_schedule,
    random_affine,
    random_shift,
    train_autoencoder,
    train_classifier,
)


def losses(record: dict) -> list[float]:
    """The per-epoch training losses a trainer's record holds."""
    return [h["loss"] for h in record["history"]]


def recipe(epochs: int, lr: float = 1e-3, loss: str = "bce", optimizer: str = "adam") -> TrainConfig:
    return TrainConfig(epochs, 32, lr, loss, optimizer, weight_decay=0.0)


@pytest.fixture
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """Two easy synthetic classes: a horizontal and a vertical bar."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (256,), generator=g)
    images = torch.zeros(256, 28, 28, dtype=torch.uint8)
    pos = torch.randint(6, 22, (256,), generator=g)
    for i, (y, p) in enumerate(zip(labels.tolist(), pos.tolist(), strict=True)):
        if y:
            images[i, :, p - 1 : p + 2] = 255
        else:
            images[i, p - 1 : p + 2, :] = 255
    return images, labels


def test_same_seed_gives_the_same_autoencoder(digits):
    cfg = AutoencoderConfig("linear", 4)
    a, ra = train_autoencoder(cfg, digits[0], recipe(2), seed=3)
    b, rb = train_autoencoder(cfg, digits[0], recipe(2), seed=3)
    assert ra["history"] == rb["history"]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_autoencoder_training_lowers_the_loss(digits):
    _, record = train_autoencoder(AutoencoderConfig("linear", 4), digits[0], recipe(5, 1e-2), seed=0)
    assert losses(record)[-1] < losses(record)[0]


def test_conv_autoencoder_trains_with_mse_and_adamax(digits):
    config = AutoencoderConfig("conv", 4, dropout=0.1)
    _, record = train_autoencoder(config, digits[0], recipe(4, 1e-2, "mse", "adamax"), seed=0)
    assert losses(record)[-1] < losses(record)[0]


@pytest.mark.parametrize("arch", ["deep", "deepconv"])
def test_deep_autoencoders_code_and_decode_at_any_dims(digits, arch):
    model, _ = train_autoencoder(AutoencoderConfig(arch, 3), digits[0], recipe(1), seed=0)
    codes = model.encode(digits[0][:5], 4)
    assert codes.shape == (5, 3) and int(codes.max()) < 16
    assert model.decode(codes, 4).shape == (5, 1, 28, 28)


def test_quantization_aware_training_keeps_every_dimension_in_use(digits):
    config = AutoencoderConfig("linear", 4, "quantization_aware", {"bits": 2})
    model, record = train_autoencoder(config, digits[0], recipe(5, 1e-2), seed=0)
    codes = model.encode(digits[0], 2)
    assert all(len(codes[:, j].unique()) >= 2 for j in range(4))  # no constant code
    assert losses(record)[-1] < losses(record)[0]


def test_a_denoising_autoencoder_sees_corrupted_inputs_and_clean_targets(digits):
    seen = []

    def blank(x, generator):
        seen.append(x)
        return torch.zeros_like(x)

    config = AutoencoderConfig("linear", 4)
    _, record = train_autoencoder(config, digits[0], recipe(1), seed=0, corrupt=blank)
    assert seen and all(float(x.max()) == 1.0 for x in seen)  # called on the clean [0, 1] batch
    assert losses(record)[0] > 0.05  # all-zero inputs cannot reproduce the bars


def test_training_from_an_initial_model_starts_at_its_loss(digits):
    config = AutoencoderConfig("linear", 4)
    trained, record = train_autoencoder(config, digits[0], recipe(5), seed=0)
    _, cold = train_autoencoder(config, digits[0], recipe(1), seed=1)
    _, warm = train_autoencoder(config, digits[0], recipe(1), seed=1, initial=trained)
    assert losses(warm)[0] < losses(cold)[0]
    assert losses(warm)[0] <= losses(record)[-1] * 1.5


def test_the_training_record_holds_the_recipe_and_what_it_ran_on(digits):
    train = recipe(1)
    _, record = train_autoencoder(AutoencoderConfig("linear", 4), digits[0], train, seed=5)
    assert record["recipe"]["lr"] == train.lr and record["recipe"]["seed"] == 5
    assert record["recipe"]["images"] == len(digits[0])
    assert set(record["run"]) == {"device", "device_name", "cpu_capability", "torch", "threads"}
    assert record["run"]["threads"] == torch.get_num_threads()
    assert record["run"]["cpu_capability"] == torch.backends.cpu.get_cpu_capability()


def test_training_twice_writes_the_same_checkpoint_bytes(digits, tmp_path):
    # No wall time or other run-to-run state in a checkpoint: a rerun leaves dvc.lock as it was.
    config = AutoencoderConfig("linear", 4)
    for name in ("first.pt", "second.pt"):
        model, record = train_autoencoder(config, digits[0], recipe(2), seed=3)
        save_torch(tmp_path / name, autoencoder_checkpoint(model, **record))
    assert (tmp_path / "first.pt").read_bytes() == (tmp_path / "second.pt").read_bytes()


def test_a_nan_loss_stops_training_with_a_clear_error(digits):
    images = digits[0].float() / 255
    images[0, 0, 0] = float("nan")
    with pytest.raises(DivergedError, match="became nan in epoch 1"):
        train_autoencoder(AutoencoderConfig("linear", 4), images, recipe(2), seed=0)


def test_classifier_learns_an_easy_task(digits):
    images, labels = digits
    model, _ = train_classifier(images, labels, 3, 32, 3e-3, max_shift=2, seed=0)
    with torch.inference_mode():
        accuracy = (model(images.float().div(255).unsqueeze(1)).argmax(1) == labels).float().mean()
    assert accuracy > 0.95


def test_random_shift_moves_content_without_changing_it():
    x = torch.zeros(50, 1, 28, 28)
    x[:, :, 10:13, 10:13] = 1
    shifted = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == x.shape
    assert torch.equal(shifted.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)))  # the blob stays whole
    assert not torch.equal(shifted, x)
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)


def test_bce_with_logits_matches_pytorch_in_value_and_gradient():
    g = torch.Generator().manual_seed(0)
    z = (torch.randn(64, 784, generator=g) * 20).requires_grad_()
    t = torch.rand(64, 784, generator=g)
    ours = bce_with_logits(z, t)
    (grad_ours,) = torch.autograd.grad(ours, z)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(z, t)
    (grad_ref,) = torch.autograd.grad(ref, z)
    assert torch.allclose(ours, ref, rtol=1e-5)
    assert torch.allclose(grad_ours, grad_ref, atol=1e-9)


def test_training_the_corrected_recipe_fits_the_quantizer_range(digits):
    model, _ = train_autoencoder(AutoencoderConfig("linear", 4), digits[0], recipe(2), seed=0)
    assert not torch.equal(model.bottleneck.scale, torch.ones(4))
    post, _ = train_autoencoder(
        AutoencoderConfig("linear", 4, "posts_rounding", recipe="post"), digits[0], recipe(2), seed=0
    )
    assert torch.equal(post.bottleneck.scale, torch.ones(4))


def test_a_rate_weight_buys_fewer_bits_per_image(digits):
    rates = []
    for weight in (0.0, 50.0):
        config = AutoencoderConfig("linear", 8, "rate_distortion", {"rate_weights": [weight]})
        model, _ = train_autoencoder(config, digits[0], TrainConfig(5, 32, 1e-2, "bce", "adam", 0.0), seed=0)
        model.train()
        with torch.no_grad():
            rates.append(
                float(model.bottleneck.rate_bits(model.encoder(digits[0].float().div(255).unsqueeze(1))).mean())
            )
    assert rates[1] < rates[0] / 2


def test_one_variable_rate_model_spends_fewer_bits_at_its_heavier_rate_level(digits):
    config = AutoencoderConfig("linear", 8, "rate_distortion", {"rate_weights": [50.0, 0.0]})
    model, _ = train_autoencoder(config, digits[0], TrainConfig(10, 32, 1e-2, "bce", "adam", 0.0), seed=0)
    x = digits[0].float().div(255).unsqueeze(1)
    with torch.no_grad():
        z = model.encoder(x)
        rates = [float(model.bottleneck.rate_bits(z, level).mean()) for level in (0, 1)]
    assert rates[0] < 0.8 * rates[1]
    heavy, light = model.encode(digits[0], 0), model.encode(digits[0], 1)
    assert (heavy != 128).sum() < (light != 128).sum()  # 128 stands for 0


def test_augment_from_params_is_none_when_every_distortion_is_zero():
    assert Augment.from_params({"degrees": 0, "scale": 0, "shift": 0}) is None


def test_augment_from_params_keeps_each_distortion_of_its_section():
    assert Augment.from_params({"degrees": 10, "scale": 0, "shift": 1.5}) == Augment(degrees=10, scale=0, shift=1.5)


def test_random_affine_with_nothing_to_draw_leaves_images_unchanged(digits):
    x = digits[0][:16].float().div(255).unsqueeze(1)
    out = random_affine(x, Augment(degrees=0, scale=0, shift=0), torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)


def test_random_affine_translates_each_image_by_at_most_shift_pixels():
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 12:16, 12:16] = 1  # a centred square: its centroid is (13.5, 13.5)
    out = random_affine(x, Augment(degrees=0, scale=0, shift=3), torch.Generator().manual_seed(0))
    grid = torch.arange(28.0)
    mass = out.sum((1, 2, 3))
    rows = (out.sum(3).squeeze(1) * grid).sum(1) / mass
    cols = (out.sum(2).squeeze(1) * grid).sum(1) / mass
    moved = torch.stack([rows - 13.5, cols - 13.5], 1)
    assert moved.abs().max() <= 3 + 1e-4
    assert moved.abs().max() > 1  # it does move, and not all alike
    assert moved.std(0).min() > 0.5
    torch.testing.assert_close(mass, torch.full((64,), 16.0), atol=1e-3, rtol=0)  # content kept


def test_random_affine_rotates_within_degrees():
    x = torch.zeros(32, 1, 28, 28)
    x[:, :, 13:15, 4:24] = 1  # a horizontal bar through the centre
    out = random_affine(x, Augment(degrees=30, scale=0, shift=0), torch.Generator().manual_seed(0))
    ys, xs = torch.meshgrid(torch.arange(28.0) - 13.5, torch.arange(28.0) - 13.5, indexing="ij")
    w = out.squeeze(1)
    # the bar's angle from the second moments of its ink
    cov_xy, cov_xx, cov_yy = (w * xs * ys).sum((1, 2)), (w * xs**2).sum((1, 2)), (w * ys**2).sum((1, 2))
    angle = torch.rad2deg(0.5 * torch.atan2(2 * cov_xy, cov_xx - cov_yy))
    assert angle.abs().max() <= 31
    assert angle.abs().max() > 10


def test_cosine_schedule_decays_the_learning_rate_to_zero():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = lr_schedule("cosine", optimizer, steps=10)
    rates = []
    for _ in range(10):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates == sorted(rates, reverse=True)
    assert rates[-1] < 1e-9
    assert lr_schedule("constant", optimizer, steps=10) is None


def test_augmented_training_is_the_same_for_the_same_seed(digits):
    config = AutoencoderConfig("linear", 4, "rate_distortion", {"rate_weights": [1.0]})
    train = TrainConfig(2, 32, 1e-2, "bce", "adam", 0.0, "cosine", Augment(10, 0.1, 1.5))
    a, ra = train_autoencoder(config, digits[0], train, seed=1)
    b, rb = train_autoencoder(config, digits[0], train, seed=1)
    assert ra["history"] == rb["history"]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_the_training_log_writes_one_row_per_epoch_and_leaves_dvc_yaml_alone(digits, tmp_path, monkeypatch):
    pytest.importorskip("dvclive")
    from qae.live import training_log

    for command in (["git", "init", "-q"], [sys.executable, "-m", "dvc", "init", "-q"]):  # a DVC project ...
        subprocess.run(command, cwd=tmp_path, check=True)
    git = ["git", "-c", "user.name=qae", "-c", "user.email=qae@example.com"]
    subprocess.run(
        [*git, "commit", "-q", "-m", "init"], cwd=tmp_path, check=True
    )  # ... with a commit, as dvclive needs
    monkeypatch.chdir(tmp_path)
    with training_log(tmp_path / "training") as on_epoch:
        _, record = train_autoencoder(AutoencoderConfig("linear", 4), digits[0], recipe(3), 0, on_epoch=on_epoch)
    rows = pd.read_csv(tmp_path / "training/plots/metrics/loss.tsv", sep="\t")
    assert rows["step"].tolist() == [1, 2, 3]
    assert rows["loss"].tolist() == pytest.approx(losses(record))
    assert not (tmp_path / "dvc.yaml").exists()


def test_no_training_log_folder_means_no_callback():
    from qae.live import training_log

    with training_log(None) as on_epoch:
        assert on_epoch is None


def test_train_config_reads_its_params_section_and_takes_overrides():
    section = {"epochs": 3, "batch_size": 8, "lr": 0.1, "loss": "mse", "optimizer": "adamax", "weight_decay": 0.01}
    section |= {"schedule": "cosine", "augment": {"degrees": 0, "scale": 0, "shift": 2}, "arch": "deep"}
    config = TrainConfig.from_params(section, epochs=5)
    assert config == TrainConfig(5, 8, 0.1, "mse", "adamax", 0.01, "cosine", Augment(0, 0, 2))
