"""Image data for the assignments: MNIST when it can be had, scikit-learn's digits otherwise.

:func:`load_mnist` keeps Keras' real loading path (``keras.datasets.mnist.load_data()``)
and uses it when a valid copy is already cached (checked by its sha256, so Keras never
re-downloads it) or the download server answers within a short timeout (a stalled download
fails after ``DOWNLOAD_TIMEOUT`` seconds). Otherwise it prints why and falls back to
``sklearn.datasets.load_digits``, which installs with scikit-learn: 1,797 images of 8×8
pixels, used as they are (not upsampled: the small CNNs of the course train on them in
seconds, and upsampling adds no information).

Either way the result is an :class:`ImageDataset` of the same form: float32 images
scaled to [0, 1] with a channel axis, ``(n, height, width, 1)``, integer labels 0–9,
and ``name`` saying which data set was loaded (``"mnist"`` or ``"digits"``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import threading

import numpy as np

__all__ = [
    "ImageDataset",
    "load",
    "load_digits",
    "load_mnist",
    "mnist_cache_path",
    "select_classes",
]

MNIST_HOST = "storage.googleapis.com"  #: where keras.datasets.mnist downloads from
#: sha256 of mnist.npz, as keras.datasets.mnist checks it (a cached file that does not match
#: would make Keras download it again, so it is refused here instead)
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT = 30.0  #: seconds a stalled MNIST download may stay silent before it fails
OFFLINE_ENV = "NNCOST_OFFLINE"  #: set to 1 to never download (the test suite sets it)
DIGITS_TEST_FRACTION = 0.25  #: the digits fallback's held-out share (450 of 1,797 images)


@dataclasses.dataclass(frozen=True)
class ImageDataset:
    """A train/test split of grey-scale images.

    ``x_*``: float32, shape ``(n, height, width, 1)``, values in [0, 1].
    ``y_*``: int64 class labels, shape ``(n,)``.
    """

    name: str  #: "mnist" or "digits": which data set was loaded
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  #: where the data came from, in words

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of one image, e.g. (28, 28, 1) for MNIST."""
        height, width, channels = self.x_train.shape[1:]
        return int(height), int(width), int(channels)

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    def __str__(self) -> str:
        return (
            f"{self.name}: {len(self.x_train):,} training and {len(self.x_test):,} test images "
            f"of {self.image_shape}, {self.num_classes} classes ({self.source})"
        )


def mnist_cache_path() -> str:
    """Where ``keras.datasets.mnist.load_data()`` caches ``mnist.npz`` (Keras' own rule:
    ``$KERAS_HOME`` if set, else ``~/.keras``, else ``/tmp/.keras`` when home is read-only)."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.join(os.path.expanduser(home), "datasets", "mnist.npz")


def _reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """True when a TCP connection to ``host`` opens within ``timeout`` seconds.

    Runs in a daemon thread so that a stalled DNS lookup (which the socket timeout does not
    cover) cannot hang the caller either.
    """
    result = []

    def attempt():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def load_mnist(
    *, allow_download: bool = True, timeout: float = 3.0, verbose: bool = True
) -> ImageDataset:
    """MNIST (60,000 + 10,000 images of 28×28) through ``keras.datasets.mnist``, when the
    file is cached (:func:`mnist_cache_path`) or, with ``allow_download``, the server answers
    within ``timeout`` seconds; otherwise scikit-learn's digits (:func:`load_digits`), with a
    printed message saying so. Never waits on the network longer than ``timeout``.
    ``$NNCOST_OFFLINE=1`` turns downloading off (as ``allow_download=False`` does).
    """
    allow_download = allow_download and os.environ.get(OFFLINE_ENV, "") in ("", "0")
    path = mnist_cache_path()
    cached = os.path.exists(path)
    if cached and not _valid_mnist_file(path):
        reason = f"{path} is not a valid copy of mnist.npz (its sha256 differs); delete it"
    elif cached or (allow_download and _reachable(MNIST_HOST, timeout=timeout)):
        try:
            return _keras_mnist(cached)
        except Exception as exc:  # noqa: BLE001 — any failure here means: use the fallback
            reason = f"keras.datasets.mnist.load_data() failed ({type(exc).__name__}: {exc})"
    elif allow_download:
        reason = f"MNIST is not cached at {mnist_cache_path()} and {MNIST_HOST} is unreachable"
    else:
        reason = f"MNIST is not cached at {mnist_cache_path()} and downloading is off"
    data = load_digits()
    if verbose:
        print(
            f"{reason}.\nUsing scikit-learn's digits instead: {data}.\n"
            "To use MNIST, put mnist.npz at that path (or go online) and run this cell again."
        )
    return data


def load(name: str) -> ImageDataset:
    """The data set called ``name`` ("mnist" or "digits", an :attr:`ImageDataset.name`) and no
    other: graders use it to score a model on the data it was trained for. MNIST must be cached."""
    if name == "digits":
        return load_digits()
    if name == "mnist":
        path = mnist_cache_path()
        if not (os.path.exists(path) and _valid_mnist_file(path)):
            raise FileNotFoundError(
                f"no valid MNIST at {path}: put Keras' mnist.npz there, or use "
                "load_mnist(), which falls back to the digits."
            )
        return _keras_mnist(cached=True)
    raise ValueError(f"unknown data set {name!r}: use 'mnist' or 'digits'.")


def _valid_mnist_file(path: str) -> bool:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == MNIST_SHA256


def _keras_mnist(cached: bool) -> ImageDataset:
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)  # urllib's download has no timeout of its own
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(previous)
    how = "cached copy" if cached else "downloaded"
    return ImageDataset(
        "mnist",
        _scale(x_train, 255.0),
        y_train.astype(np.int64),
        _scale(x_test, 255.0),
        y_test.astype(np.int64),
        f"keras.datasets.mnist, {how}",
    )


def load_digits(test_fraction: float = DIGITS_TEST_FRACTION, seed: int = 0) -> ImageDataset:
    """scikit-learn's 1,797 handwritten digits (8×8, values 0–16, shipped with the package),
    scaled to [0, 1] and split with a stratified, seeded ``train_test_split``."""
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(
            f"test_fraction must be between 0 and 1 (e.g. 0.25), got {test_fraction!r}."
        )
    bunch = sk_digits()
    x, y = bunch.images, bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    return ImageDataset(
        "digits",
        _scale(x_train, 16.0),
        y_train,
        _scale(x_test, 16.0),
        y_test,
        "sklearn.datasets.load_digits, 8×8 images used as they are",
    )


def _scale(images: np.ndarray, max_value: float) -> np.ndarray:
    return (np.asarray(images, dtype=np.float32) / max_value)[..., np.newaxis]


def select_classes(
    x: np.ndarray, y: np.ndarray, classes, per_class: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The images of ``classes`` only, relabelled 0, 1, … in the order given
    (``classes=[5, 6, 7, 8, 9]`` maps 5→0 … 9→4); at most ``per_class`` of each, the first ones."""
    classes = list(classes)
    if not classes:
        raise ValueError("classes is empty: name the labels to keep, e.g. [5, 6, 7, 8, 9].")
    keep = []
    for c in classes:
        idx = np.flatnonzero(y == c)
        if idx.size == 0:
            raise ValueError(
                f"no image has label {c!r}; the labels present are {sorted(set(y.tolist()))}."
            )
        keep.append(idx[:per_class] if per_class is not None else idx)
    order = np.sort(np.concatenate(keep))
    relabel = {c: i for i, c in enumerate(classes)}
    return x[order], np.array([relabel[int(v)] for v in y[order]], dtype=np.int64)
