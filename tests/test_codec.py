"""The entropy coder and its bitstreams: lossless, honest about size, loud on bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import qae
from qae.codec.base import load_codec
from qae.codec.bitstream import HEADER_BYTES, BitstreamError, Header, pack
from qae.codec.codec import Codec, coding_metrics
from qae.codec.entropy import code_length, decode_codes, empirical_entropy, encode_codes, fit_counts, probabilities
from qae.codec.search import CodeSearch
from qae.images import as_unit_images
from qae.models import AutoencoderConfig, Classifier, build_autoencoder


def random_codes(n: int, dims: int, bits: int, seed: int = 0) -> torch.Tensor:
    """Codes with a different skewed distribution per dimension."""
    g = torch.Generator().manual_seed(seed)
    spread = torch.linspace(0.05, 1.0, dims)
    u = torch.rand(n, dims, generator=g) ** (1 / spread)  # dimension 0 piles up near the top level
    return qae.to_codes(u, bits)


@pytest.mark.parametrize(("bits", "table_bits"), [(1, 8), (3, 8), (8, 8), (12, 8), (32, 8), (20, 2)])
def test_random_codes_round_trip_exactly(bits, table_bits):
    codes = random_codes(300, 5, bits)
    train = random_codes(1000, 5, bits, seed=1)
    probs = probabilities(fit_counts(train, bits, table_bits), 0.5)
    payload = encode_codes(codes, probs, bits, table_bits)
    assert torch.equal(decode_codes(payload, probs, bits, table_bits, len(codes)), codes)


def test_levels_never_seen_in_training_still_round_trip():
    train = torch.zeros(100, 3, dtype=torch.long)  # only level 0
    codes = torch.tensor([[15, 7, 0], [3, 15, 1]])
    probs = probabilities(fit_counts(train, 4, 8), 0.5)
    assert torch.equal(decode_codes(encode_codes(codes, probs, 4, 8), probs, 4, 8, 2), codes)


def test_skewed_codes_cost_about_their_model_length_below_the_nominal_bits():
    codes = random_codes(5000, 4, 6)
    probs = probabilities(fit_counts(codes, 6, 8), 0.5)
    coded = 8 * len(encode_codes(codes, probs, 6, 8))
    ideal = code_length(codes, probs, 6, 8)
    assert ideal <= coded <= ideal + 64  # the range coder's overhead: a few words
    assert coded < 0.9 * codes.numel() * 6
    assert empirical_entropy(codes) <= ideal / len(codes) + 1e-9  # no model beats the plug-in entropy


@pytest.fixture(scope="module")
def model() -> qae.Autoencoder:
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderConfig("linear", 6)).eval()
    g = torch.Generator().manual_seed(0)
    model.bottleneck.calibrate(model.encoder(torch.rand(200, 1, 28, 28, generator=g)).detach())
    return model


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return torch.randint(0, 256, (40, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="module")
def codec(model, images) -> Codec:
    return Codec.fit(model, images, point=4)


def test_decompress_gives_the_model_s_reconstructions(codec, model, images):
    restored = qae.decompress(qae.compress(images, codec), codec)
    assert torch.allclose(restored, model.reconstruct(images, 4), atol=1e-6)


def test_fp32_codec_sends_the_float_code_raw(model, images):
    codec = Codec.fit(model, images, point=None)
    data = codec.compress(images)
    assert len(data) == HEADER_BYTES + 4 * 6 * len(images)
    assert torch.allclose(codec.decompress(data), model.reconstruct(images, None), atol=1e-6)


def test_reported_bits_per_image_are_the_payload_bytes_written(codec, images):
    metrics = coding_metrics(codec, codec.encode(images))
    data = codec.compress(images)
    assert metrics["coded_bits"] == 8 * (len(data) - HEADER_BYTES) / len(images)
    assert metrics["model_bits"] <= metrics["coded_bits"]


def test_a_saved_codec_loads_with_the_same_id_and_output(codec, images, tmp_path):
    codec.save(tmp_path / "codec.pt")
    loaded = load_codec(tmp_path / "codec.pt")
    assert loaded.id == codec.id
    assert loaded.compress(images) == codec.compress(images)


def test_saving_is_deterministic(codec, tmp_path):
    codec.save(tmp_path / "a.pt")
    codec.save(tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


@pytest.mark.parametrize("cut", [0, 10, HEADER_BYTES, -1])
def test_truncated_bitstreams_are_refused(codec, images, cut):
    data = codec.compress(images)
    with pytest.raises(BitstreamError, match="truncated"):
        codec.decompress(data[:cut])


@pytest.mark.parametrize("position", [0, 4, 9, 20, HEADER_BYTES + 3, -1])
def test_a_flipped_bit_anywhere_is_refused(codec, images, position):
    data = bytearray(codec.compress(images))
    data[position] ^= 0x10
    with pytest.raises(BitstreamError):
        codec.decompress(bytes(data))


def test_trailing_bytes_are_refused(codec, images):
    with pytest.raises(BitstreamError, match="unexpected bytes"):
        codec.decompress(codec.compress(images) + b"\0")


def test_a_bitstream_of_another_codec_is_refused(codec, model, images):
    other = Codec.fit(model, images[:10], point=4)  # same model and bits, another code model
    with pytest.raises(BitstreamError, match="another codec"):
        codec.decompress(other.compress(images))


def test_a_header_that_announces_more_images_than_its_payload_holds_is_refused(codec):
    """The coder reads zeros past its data: a forged count would decode images from nothing."""
    forged = pack(Header(codec.bits, codec.dims, 100_000, codec.id, 0), b"")
    with pytest.raises(BitstreamError, match="cannot hold 100,000 images"):
        codec.decompress_codes(forged)


@pytest.mark.parametrize(("bits", "table_bits"), [(1, 8), (8, 8), (12, 8)])
@pytest.mark.parametrize("n", [1, 1000, 100_000])
def test_the_cheapest_codes_a_coder_can_send_are_never_refused(bits, table_bits, n):
    """The count's bound is the likeliest row's cost: a very skewed code model's cheapest
    stream, made by the coder itself, must fit under it."""
    probs = probabilities(fit_counts(torch.zeros(60_000, 4, dtype=torch.long), bits, table_bits), 0.5)
    codes = torch.zeros(n, 4, dtype=torch.long)
    assert torch.equal(decode_codes(encode_codes(codes, probs, bits, table_bits), probs, bits, table_bits, n), codes)


def test_an_fp32_payload_that_is_not_a_number_is_refused(model, images):
    codec = Codec.fit(model, images, point=None)
    nan = np.full(codec.dims, np.nan, "<f4").tobytes()
    with pytest.raises(BitstreamError, match="not a finite number"):
        codec.decompress(pack(Header(None, codec.dims, 1, codec.id, len(nan)), nan))


def test_a_file_that_is_no_codec_is_refused(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a qae codec file"):
        load_codec(tmp_path / "x.pt")


def test_probabilities_give_every_level_some_mass():
    probs = probabilities(torch.tensor([[10, 0, 0, 0]]), 0.5)
    assert np.all(probs > 0) and np.allclose(probs.sum(1), 1)


# The code search: encode-time moves that make codes cheaper than the encoder's rounding.
SEARCH = CodeSearch(rate_weight=0.5, candidates=12, rounds=50)  # 12 = 2 x 6 dims: every move measured


@torch.no_grad()
def search_cost(codec: Codec, codes: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """What the search minimizes, per image: BCE summed over pixels + weight x bits."""
    logits = codec.model.decode_logits(codes, codec.point)
    bce = F.binary_cross_entropy_with_logits(logits, as_unit_images(images), reduction="none").flatten(1).sum(1)
    return bce + codec.search.rate_weight * codec.code_bits(codes).sum(1)


@pytest.fixture(scope="module")
def searching(model, images) -> Codec:
    return Codec.fit(model, images, point=4, search=SEARCH)


def test_code_search_lowers_the_cost_of_some_codes_and_raises_none(searching, images):
    rounded = searching.round_codes(images)
    before, after = search_cost(searching, rounded, images), search_cost(searching, searching.encode(images), images)
    assert torch.all(after <= before + 1e-4)
    assert torch.any(after < before - 1e-2)


def test_after_the_search_no_single_step_lowers_an_image_s_cost(searching, images):
    codes = searching.encode(images)
    cost = search_cost(searching, codes, images)
    for dim in range(searching.dims):
        for step in (-1, 1):
            moved = codes.clone()
            moved[:, dim] = (moved[:, dim] + step).clamp(0, 2**searching.bits - 1)
            assert torch.all(search_cost(searching, moved, images) >= cost - 1e-3)


def test_code_search_is_deterministic(searching, images):
    assert torch.equal(searching.encode(images), searching.encode(images))


def test_searched_bitstreams_decode_with_a_codec_that_does_not_search(searching, model, images):
    plain = Codec(model, 4, searching.counts)
    data = searching.compress(images)
    assert plain.id == searching.id
    assert torch.equal(plain.decompress_codes(data), searching.encode(images))


def test_a_saved_codec_keeps_its_search(searching, tmp_path):
    searching.save(tmp_path / "codec.pt")
    assert load_codec(tmp_path / "codec.pt").search == SEARCH


def test_a_search_without_candidates_sends_the_rounding(model, images):
    codec = Codec.fit(model, images, point=4, search=CodeSearch(rate_weight=0.5, candidates=0, rounds=5))
    assert torch.equal(codec.encode(images), codec.round_codes(images))


def test_an_fp32_codec_cannot_search(model, images):
    with pytest.raises(ValueError, match="integer codes"):
        Codec.fit(model, images, point=None, search=SEARCH)


# The feature search: distortion measured also in a label-free network's hidden features.
@pytest.fixture(scope="module")
def features() -> Classifier:
    torch.manual_seed(0)
    return Classifier(classes=4).eval()


FEATURE_SEARCH = CodeSearch(rate_weight=0.5, candidates=12, rounds=50, feature_weight=2.0)


@pytest.fixture(scope="module")
def feature_searching(model, images, features) -> Codec:
    return Codec.fit(model, images, point=4, search=FEATURE_SEARCH, features=features)


@torch.no_grad()
def feature_cost(codec: Codec, codes: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """What the feature search minimizes, per image: the pixel search's cost + weight x
    784 x the mean squared error of the feature network's hidden features."""
    x = as_unit_images(images)
    decoded = torch.sigmoid(codec.model.decode_logits(codes, codec.point))
    error = (codec.features.net[:-1](decoded) - codec.features.net[:-1](x)).pow(2).mean(1)
    return search_cost(codec, codes, images) + codec.search.feature_weight * 784 * error


def test_a_feature_search_lowers_its_own_cost_and_raises_none(feature_searching, images):
    rounded = feature_searching.round_codes(images)
    before = feature_cost(feature_searching, rounded, images)
    after = feature_cost(feature_searching, feature_searching.encode(images), images)
    assert torch.all(after <= before + 1e-3)
    assert torch.any(after < before - 1e-2)


def test_features_change_which_codes_the_search_picks(feature_searching, model, images):
    pixels_only = Codec(model, 4, feature_searching.counts, search=SEARCH)
    assert not torch.equal(feature_searching.encode(images), pixels_only.encode(images))


def test_a_feature_weight_of_zero_is_the_pixel_search(model, images, features):
    weightless = CodeSearch(rate_weight=0.5, candidates=12, rounds=50, feature_weight=0.0)
    with_network = Codec.fit(model, images, point=4, search=weightless, features=features)
    assert torch.equal(with_network.encode(images), Codec.fit(model, images, point=4, search=SEARCH).encode(images))


def test_a_feature_search_needs_a_feature_network(model, images):
    with pytest.raises(ValueError, match="feature network"):
        Codec.fit(model, images, point=4, search=FEATURE_SEARCH)


def test_feature_searched_streams_decode_with_a_codec_that_has_no_network(feature_searching, model, images):
    plain = Codec(model, 4, feature_searching.counts)
    assert plain.id == feature_searching.id
    assert torch.equal(plain.decompress_codes(feature_searching.compress(images)), feature_searching.encode(images))


def test_a_saved_codec_keeps_its_feature_network_and_search(feature_searching, images, tmp_path):
    feature_searching.save(tmp_path / "codec.pt")
    loaded = load_codec(tmp_path / "codec.pt")
    assert loaded.search == FEATURE_SEARCH
    assert loaded.compress(images) == feature_searching.compress(images)
