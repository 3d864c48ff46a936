"""Shared fixtures. TensorFlow is silenced before anything imports it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pytest


@pytest.fixture(scope="session")
def keras():
    import keras

    return keras


@pytest.fixture(scope="session")
def L(keras):
    return keras.layers


def pytest_addoption(parser):
    parser.addoption(
        "--overwrite", action="store_true", help="rewrite the golden files in tests/golden/"
    )


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/<name>; `pytest --overwrite` regenerates it."""
    import pathlib

    def check(name: str, text: str) -> None:
        path = pathlib.Path(__file__).parent / "golden" / name
        if request.config.getoption("--overwrite") or not path.exists():
            path.parent.mkdir(exist_ok=True)
            path.write_text(text + "\n")
            if not request.config.getoption("--overwrite"):
                pytest.fail(f"{path} did not exist and was written: check it and rerun")
        assert text + "\n" == path.read_text()

    return check
