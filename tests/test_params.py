import pytest

from qae.params import ParamsError, validate_params


def test_the_shipped_params_are_valid(repo_params):
    assert validate_params(repo_params) is repo_params


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("dims",), 0, "dims: must be an integer in 1..784"),
        (("bits",), 33, "bits: must be an integer in 1..32 or 'fp32'"),
        (("bits",), "fp16", "bits: must be"),
        (("sweep", "epochs"), 0, "sweep.epochs: must be an integer >= 1"),
        (("classifier", "lr"), -0.1, "classifier.lr: must be a number > 0"),
        (("sweep", "lr"), float("nan"), "sweep.lr: must be a number > 0"),
        (("sweep", "recipe"), "mine", "sweep.recipe: must be one of post, corrected"),
        (("split", "val_fraction"), 1.0, "split.val_fraction: must be a number strictly between 0 and 1"),
        (("sweep", "dims"), [4, -8], "sweep.dims: must be a non-empty list"),
        (("sweep", "bits"), [2, 2], "sweep.bits: must be a non-empty list without repeats"),
        (("seed",), True, "seed: must be an integer"),
        (("conv", "search", "lr"), [0.1, 0.1], "conv.search.lr: must be [low, high] with 0 < low < high"),
        (("conv", "search", "weight_decay"), [0, 0.01], "conv.search.weight_decay: must be [low, high] with 0 < low"),
        (
            ("conv", "search", "dropout"),
            [0.2, 1.5],
            "conv.search.dropout: must be [low, high] with 0 <= low < high <= 1.0",
        ),
        (
            ("conv", "search", "epoch_probs"),
            [0.5, 0.6, 0, 0, 0],
            "conv.search.epoch_probs: must be a list of probabilities",
        ),
        (("conv", "robustness", "noise_std"), [0, -0.1], "conv.robustness.noise_std: must be a non-empty list"),
        (
            ("conv", "robustness", "patch"),
            [0, 30],
            "conv.robustness.patch: must be a non-empty list without repeats, each an integer in 0..28",
        ),
        (("conv", "denoising", "patch"), 29, "conv.denoising.patch: must be an integer in 0..28"),
        (("sweep", "arch"), "resnet", "sweep.arch: must be one of linear, conv"),
        (("qat", "bits"), [0], "qat.bits: must be a non-empty list without repeats, each an integer in 1..16"),
        (
            ("compressor", "rd", "rate_weights"),
            [0.3, -1],
            "compressor.rd.rate_weights: must be a non-empty list without repeats, each a number > 0",
        ),
        (("compressor", "rd", "images"), "both", "compressor.rd.images: must be one of autoencoder, all"),
        (("compressor", "rd", "augment", "degrees"), 90, "compressor.rd.augment.degrees: must be a number in [0, 45]"),
        (("conv", "denoising", "start"), "warm", "conv.denoising.start: must be one of plain, scratch"),
        (("codec", "smoothing"), 0, "codec.smoothing: must be a number > 0"),
        (("codec", "table_bits"), 17, "codec.table_bits: must be an integer in 1..16"),
        (("codec", "search", "candidates"), -1, "codec.search.candidates: must be an integer in 0..256"),
        (("baselines", "jpeg_quality"), [50, 101], "baselines.jpeg_quality: must be a non-empty list"),
        (("baselines", "pca_bits"), [0], "baselines.pca_bits: must be a non-empty list without repeats, each an"),
        (("latent", "grid"), 1, "latent.grid: must be an integer in 2..1000"),
        (("latent", "jump_factor"), 0, "latent.jump_factor: must be a number > 0"),
        (("digits", "optimizer"), "adamax", "digits.optimizer: must be one of sgd, adam"),
        (("digits", "momentum"), 1.0, "digits.momentum: must be a number in [0, 1)"),
        (("digits", "method"), "dbscan", "digits.method: must be one of kmeans, tsne_gmm"),
        (("digits", "codes_dims"), 48, "digits.codes_dims: must be one of sweep.dims"),
        (("lowdims", "starts"), ["default", "zero"], "lowdims.starts: must be a non-empty list"),
        (("lowdims", "dims"), [3, 3], "lowdims.dims: must be a non-empty list without repeats"),
    ],
)
def test_a_bad_value_is_rejected_naming_key_and_range(repo_params, path, value, named):
    *parents, key = path
    node = repo_params
    for p in parents:
        node = node[p]
    node[key] = value
    with pytest.raises(ParamsError) as err:
        validate_params(repo_params)
    assert named in str(err.value)


def test_splits_that_do_not_fit_in_mnist_are_rejected(repo_params):
    repo_params["split"].update(classifier_size=40000, autoencoder_size=30000)
    with pytest.raises(ParamsError, match=r"split.classifier_size \+ split.autoencoder_size: must be <= 60000"):
        validate_params(repo_params)


def test_quantization_aware_bits_must_be_in_the_sweep(repo_params):
    repo_params["qat"]["bits"] = [3]
    with pytest.raises(ParamsError, match=r"qat.bits: \[3\] must also be in sweep.bits"):
        validate_params(repo_params)


def test_an_unknown_key_is_rejected_as_a_likely_typo(repo_params):
    repo_params["sweep"]["epoch"] = 5
    with pytest.raises(ParamsError, match=r"sweep\.epoch: unknown key"):
        validate_params(repo_params)


def test_a_missing_key_is_reported(repo_params):
    del repo_params["codec"]["smoothing"]
    with pytest.raises(ParamsError, match=r"codec\.smoothing: missing"):
        validate_params(repo_params)


def test_every_problem_is_reported_at_once(repo_params):
    repo_params["dims"], repo_params["bits"] = -1, 0
    with pytest.raises(ParamsError) as err:
        validate_params(repo_params)
    assert "dims:" in str(err.value) and "bits:" in str(err.value)


def test_epoch_probabilities_must_match_the_epoch_choices(repo_params):
    repo_params["conv"]["search"]["epochs"] = [10, 20]
    with pytest.raises(ParamsError, match="one probability per entry"):
        validate_params(repo_params)


def test_the_latent_study_needs_a_conv_model_it_trains(repo_params):
    repo_params["conv"]["tradeoff"]["dims"] = [1, 4]
    with pytest.raises(ParamsError, match=r"latent\.dims: must be one of conv\.tradeoff\.dims"):
        validate_params(repo_params)


def test_machine_knobs_are_not_params(repo_params):
    """Workers, evaluation batch size and device are environment variables: a bigger
    machine must not rerun stages whose results would not change."""
    flat = str(repo_params)
    assert "workers" not in flat and "device" not in flat and "'eval'" not in flat
