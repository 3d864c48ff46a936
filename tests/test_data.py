"""nncost.data and nncost.pretrained, offline: no test downloads anything."""

import math
import time

import numpy as np
import pytest

from nncost import data, pretrained


@pytest.fixture
def no_cache(tmp_path, monkeypatch):
    """A Keras home without mnist.npz or ImageNet weights."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_cache_path_follows_keras_home(no_cache):
    assert data.mnist_cache_path() == str(no_cache / "datasets" / "mnist.npz")
    assert pretrained.mobilenet_v2_weights_path() == str(
        no_cache / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    )


def test_fallback_to_digits_says_so(no_cache, capsys):
    d = data.load_mnist(allow_download=False)
    said = capsys.readouterr().out
    assert d.name == "digits"
    assert "MNIST is not cached at" in said and str(no_cache) in said and "digits" in said
    # 1,797 images; a stratified 25% test split: ceil(0.25 × 1797) = ceil(449.25) = 450 held out.
    n_test = math.ceil(0.25 * 1797)
    assert (len(d.x_test), len(d.x_train)) == (n_test, 1797 - n_test) == (450, 1347)
    assert d.x_train.shape[1:] == d.image_shape == (8, 8, 1)
    assert d.x_train.dtype == np.float32
    assert (
        0.0 == min(d.x_train.min(), d.x_test.min()) and max(d.x_train.max(), d.x_test.max()) == 1.0
    )
    assert d.num_classes == 10
    # stratified: each class's share of the test set is within one image of 25%
    counts_all = np.bincount(np.concatenate([d.y_train, d.y_test]))
    assert np.all(np.abs(np.bincount(d.y_test) - counts_all * 0.25) <= 1)


def test_a_corrupt_cached_file_is_refused_without_touching_the_network(no_cache, capsys):
    # Keras would re-download a cached mnist.npz whose sha256 is wrong; the loader refuses it.
    (no_cache / "datasets").mkdir()
    (no_cache / "datasets" / "mnist.npz").write_bytes(b"not mnist")
    start = time.perf_counter()
    d = data.load_mnist(allow_download=True, timeout=0.5)
    assert d.name == "digits" and time.perf_counter() - start < 5
    assert "is not a valid copy of mnist.npz" in capsys.readouterr().out


def test_offline_switch_turns_downloading_off(no_cache, monkeypatch, capsys):
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    assert data.load_mnist().name == "digits"
    assert "downloading is off" in capsys.readouterr().out


def test_fallback_is_deterministic(no_cache):
    a = data.load_mnist(allow_download=False, verbose=False)
    b = data.load_mnist(allow_download=False, verbose=False)
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)


def test_reachability_check_never_hangs():
    start = time.perf_counter()
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed, so the connection can only time out.
    assert data._reachable("192.0.2.1", timeout=0.5) is False
    assert time.perf_counter() - start < 2.0


def test_load_by_name(no_cache):
    assert data.load("digits").name == "digits"
    with pytest.raises(FileNotFoundError, match="no valid MNIST at"):
        data.load("mnist")
    with pytest.raises(ValueError, match="'mnist' or 'digits'"):
        data.load("cifar10")


def test_select_classes_relabels_in_given_order():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.array([5, 9, 5, 0, 9, 7, 5, 1, 7, 9])
    xs, ys = data.select_classes(x, y, [9, 5], per_class=2)
    # first two 9s (positions 1, 4) → 0, first two 5s (positions 0, 2) → 1, original order kept
    assert xs[:, 0].tolist() == [0, 1, 2, 4]
    assert ys.tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match="no image has label 3"):
        data.select_classes(x, y, [3])
    with pytest.raises(ValueError, match="classes is empty"):
        data.select_classes(x, y, [])


def test_bad_test_fraction_names_the_fix():
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.load_digits(test_fraction=25)


def test_imagenet_base_falls_back_when_weights_missing(no_cache, capsys):
    assert pretrained.imagenet_base((8, 8, 1)) is None
    assert "No ImageNet weights at" in capsys.readouterr().out


def test_imagenet_wrapper_takes_grey_images():
    """The real path's wrapper, with random weights (the ImageNet file is not on this machine)."""
    import keras

    base = pretrained._wrapped_mobilenet((8, 8, 1), None)
    features = base(np.zeros((2, 8, 8, 1), dtype=np.float32))
    assert tuple(features.shape) == (2, 1280)  # MobileNetV2's pooled features
    assert isinstance(base, keras.Model)
