"""What every stage script shares: a user's mistake is its message and exit status 1, no traceback."""

import pytest

from qae.params import ParamsError
from qae.stage import run


def test_a_users_mistake_ends_the_stage_with_its_message_and_status_1(capsys):
    def main():
        raise ParamsError("invalid params.yaml:\n  sweep.epochs: must be an integer >= 1, got 0")

    with pytest.raises(SystemExit) as exit_:
        run(main)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "sweep.epochs: must be an integer >= 1, got 0" in err and "Traceback" not in err


def test_a_bug_keeps_its_traceback():
    def main():
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run(main)


def test_params_are_validated_before_the_stage_parses_its_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("seed: -1\n")

    def main():
        raise AssertionError("ran before params were validated")

    with pytest.raises(SystemExit):
        run(main)
    assert "seed" in capsys.readouterr().err
