import json
import os

import pytest
import torch

from qae.io import atomic_path, read_json, save_torch, write_json, write_json_records, write_text


def test_write_json_round_trips(tmp_path):
    write_json(tmp_path / "a" / "b.json", {"x": 1})
    assert read_json(tmp_path / "a" / "b.json") == {"x": 1}


def test_an_interrupted_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_save_torch_writes_equal_bytes_for_equal_tensors(tmp_path):
    obj = {"w": torch.arange(10.0)}
    save_torch(tmp_path / "a.pt", obj)
    save_torch(tmp_path / "b.pt", obj)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_json_records_are_one_per_line_and_read_back(tmp_path):
    records = [{"actual": 1, "predicted": 7}, {"actual": 2, "predicted": 2}]
    write_json_records(tmp_path / "rows.json", records)
    text = (tmp_path / "rows.json").read_text()
    assert json.loads(text) == records and len(text.splitlines()) == 4


def test_outputs_get_the_usual_permissions_not_the_temp_files(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "out.txt", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644
