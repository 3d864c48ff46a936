"""The command line: `nncost demo`, `nncost summary model.keras`, `python -m nncost`."""

import json
import subprocess
import sys

from nncost.__main__ import main


def test_demo_prints_the_q3_report(capsys):
    assert main(["demo", "q3"]) == 0
    out = capsys.readouterr().out
    assert "q3_mnist_cnn" in out and "FLOPs: 5,113,532" in out


def test_summary_of_a_saved_model(tmp_path, capsys):
    from nncost import course

    path = tmp_path / "q1.keras"
    course.q1().save(path)
    assert main(["summary", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["params"], data["flops"]) == (66, 121)


def test_seq_len_error_is_clear(capsys):
    assert main(["demo", "q7"]) == 2
    assert "seq_len" in capsys.readouterr().err
    assert main(["demo", "q7", "--seq-len", "5", "--explain"]) == 0
    assert "5×195 = 975" in capsys.readouterr().out


def test_python_dash_m_and_missing_file():
    out = subprocess.run(
        [sys.executable, "-m", "nncost", "summary", "nope.keras"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "no such file: nope.keras" in out.stderr
