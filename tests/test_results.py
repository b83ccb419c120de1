import pytest

from qae.io import write_json
from qae.results import load_records, qat_records, qat_summary, rd_records, rd_summary, summary, to_csv


@pytest.fixture
def eval_dir(tmp_path):
    for d in (4, 8, 16):
        for b in (2, "fp32"):
            total = d * (32 if b == "fp32" else b)
            record = {"accuracy": 0.5, "mse": 0.1, "bce": 0.3, "total_bits": total, "compression_ratio": 6272 / total}
            record |= {"coded_bits": total - 0.5, "model_bits": None, "entropy_bits": None}
            write_json(tmp_path / f"{d}-{b}.json", record)
    return tmp_path


def test_only_the_items_the_params_list_are_read(eval_dir):
    records = load_records(eval_dir, [4, 8], [2, "fp32"])  # 16-* files are stale
    assert [(r["dims"], r["bits"]) for r in records] == [(4, 2), (4, "fp32"), (8, 2), (8, "fp32")]
    assert [r["code_bits"] for r in records] == [2, 32, 2, 32]


def test_a_missing_item_names_the_stage_to_run(eval_dir):
    with pytest.raises(FileNotFoundError, match=r"dvc repro eval_quantized@32-2"):
        load_records(eval_dir, [32], [2])


def test_summary_nests_by_dims_then_bits(eval_dir):
    nested = summary(load_records(eval_dir, [4], [2, "fp32"]), {"ratio": 4.7, "bits_per_image": 1300.0})
    assert nested["dims_4"]["bits_fp32"] == {"accuracy": 0.5, "mse": 0.1, "coded_bits": 127.5}
    assert nested["lossless"]["gzip"]["ratio"] == 4.7


def test_csv_has_a_header_and_a_row_per_item(eval_dir):
    lines = to_csv(load_records(eval_dir, [4, 8], [2])).splitlines()
    assert lines[0].startswith("dims,bits,code_bits,total_bits")
    assert len(lines) == 3


def test_quantization_aware_records_pair_with_post_training_ones(eval_dir, tmp_path_factory):
    aware_dir = tmp_path_factory.mktemp("eval_qat")
    for d in (4, 8):
        record = {"accuracy": 0.9, "mse": 0.05, "bce": 0.2, "total_bits": 2 * d, "coded_bits": 2 * d - 0.25}
        write_json(aware_dir / f"{d}-2.json", record)
    records = qat_records(eval_dir, aware_dir, [4, 8], [2])
    assert [(r["training"], r["dims"]) for r in records] == [
        ("post-training", 4),
        ("post-training", 8),
        ("aware", 4),
        ("aware", 8),
    ]
    assert records[-1]["series"] == "2 bits, aware"
    nested = qat_summary(records)
    assert nested["dims_8"]["bits_2"] == {
        "post-training": {"accuracy": 0.5, "mse": 0.1, "coded_bits": 15.5},
        "aware": {"accuracy": 0.9, "mse": 0.05, "coded_bits": 15.75},
    }


def test_rate_distortion_records_are_keyed_by_their_weight(tmp_path):
    for w, bits in ((0.8, 36.5), (0.15, 71.4)):
        write_json(tmp_path / f"{w}.json", {"accuracy": 0.9, "mse": 0.01, "coded_bits": bits})
    records = rd_records(tmp_path, 64, [0.8, 0.15], 8)
    assert [(r["rate_weight"], r["dims"], r["bits"]) for r in records] == [(0.8, 64, 8), (0.15, 64, 8)]
    assert rd_summary(records)["weight_0.15"] == {"accuracy": 0.9, "mse": 0.01, "coded_bits": 71.4}
    with pytest.raises(FileNotFoundError, match=r"dvc repro eval_rd@0.3"):
        rd_records(tmp_path, 64, [0.3], 8)
