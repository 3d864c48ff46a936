"""The pinned set: environment.yml installs the same packages as pyproject.toml."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict[str, str]:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    pins = {}
    for group in extras.values():
        for req in group:
            if req.startswith("nncost"):
                continue
            name, _, version = req.partition("==")
            assert version, f"{req!r} in pyproject.toml is not pinned with =="
            pins[name.lower()] = version
    return pins


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"\s*-\s*([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_matches_pyproject():
    py, env = _pyproject_pins(), _environment_pins()
    assert py, "no pins found in pyproject.toml"
    assert env == py


def test_core_pins_are_the_agreed_set():
    py = _pyproject_pins()
    assert py["tensorflow-cpu"].startswith("2.21")
    assert py["nbgrader"] == "0.9.6"
    assert py["jupyterlab"].startswith("4.")
    assert py["ipywidgets"].startswith("8.")


def test_python_version_in_environment_yml():
    assert "python=3.11" in (ROOT / "environment.yml").read_text()
