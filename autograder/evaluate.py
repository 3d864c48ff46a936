"""Test a notebook's saved models and arrays in a clean process, for :mod:`autograder.verdict`.

Some answers cannot be judged from plain values: a trained model is judged by its accuracy on
held-out data, a split by the images it holds. The hidden part of such a graded cell saves the
answer itself next to the notebook (the kernel's working directory): the model as a ``.keras``
file, arrays as an ``.npz`` file. After the kernel has finished, the grader's judge hands the
file names to this module, which runs in a process of its own: a fresh Python (``-I``: no
``PYTHONPATH``, no user site, not the notebook's directory on ``sys.path``) that imports Keras
and nncost itself, loads the data with :func:`nncost.data.load` itself, and loads each file
from a private copy, models with ``keras.saving.load_model(path, safe_mode=True)`` and arrays
with ``numpy.load(path, allow_pickle=False)``. A patched ``predict``, ``numpy`` or built-in in
the student's kernel never runs here; what the kernel can still choose is the file, and the
file is the answer being judged.

The protocol is one JSON request per line on stdin and one JSON reply per line on stdout
(prefixed with :data:`REPLY`; anything else Keras or TensorFlow prints goes to stderr)::

    {"task": "accuracy", "directory": "...", "file": "graded_ex9_test.keras", ...}
    NNCOST-EVALUATE {"fail": "below", "values": {"accuracy": 0.91, "target": 0.95, ...}}

``fail`` is ``null`` when the answer passes, else the key of what failed, which the judge
turns into the check's message with ``values``. Tasks (their parameters come from the checks
in the instructor's notebook, never from the kernel, except the claims named ``claimed``):

``accuracy``  a saved Keras model with at least ``conv`` Conv2D layers reaching ``target``
              (per data set) on the held-out test set of the data set this machine gives
``split``     a saved train/validation/test split (``x_train`` … ``y_test``) that is an exact,
              stratified partition of the new task's images with their labels, in ``shares``
``frozen``    a saved phase-1 transfer model whose base weights equal the saved pretrained
              ones and whose only trainable weights are the head's
``finetune``  a saved phase-2 model: lower learning rate than the saved phase-1 model, some base
              weights trainable and changed, and ``target`` accuracy on the saved test set

:class:`Session` is the judge's side: it starts one such process per notebook, when the first
request comes, and stops it when the notebook is judged.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import queue
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Self, TypeGuard, TypeVar

__all__ = ["REPLY", "Session", "main"]

ROOT = Path(__file__).resolve().parent.parent
REPLY = "NNCOST-EVALUATE "
MAX_BYTES = 512 * 1024**2  #: a saved answer larger than this is refused
TIMEOUT = 600.0  #: seconds one request may take (loading TensorFlow included)

# The evaluator's entry point: -I keeps PYTHONPATH, the user's site-packages and the current
# directory off sys.path; only this repository is added (for autograder/ and nncost/).
_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.evaluate import main; sys.exit(main())"
)


# --------------------------------------------------------------------------- the judge's side
class Session:
    """The evaluator process of one notebook, whose saved answers are in ``directory``."""

    def __init__(self, directory: str | os.PathLike, timeout: float = TIMEOUT):
        self.directory = str(Path(directory).resolve())
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | _Forked | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._stderr: IO[bytes] | None = None

    def _start(self) -> None:
        from autograder.zygote import Zygote

        zygote = Zygote.current()  # in a grading worker: a copy of its zygote, Keras imported
        if zygote is not None:
            try:
                self._proc = _Forked(zygote)
            except OSError:  # the zygote is gone: a fresh Python, as without one
                self._proc = None
            else:
                self._stderr = self._proc.stderr
                self._replies = queue.Queue()
                threading.Thread(
                    target=self._read, args=(self._proc.stdout, self._replies), daemon=True
                ).start()
                return
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 — lives until close()
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(root=str(ROOT))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(ROOT),
            env=env,
            text=True,
            start_new_session=True,
        )
        self._replies = queue.Queue()
        threading.Thread(
            target=self._read, args=(self._proc.stdout, self._replies), daemon=True
        ).start()

    @staticmethod
    def _read(stdout: Iterable[str], replies: queue.Queue[str | None]) -> None:
        for line in stdout:
            if line.startswith(REPLY):
                replies.put(line[len(REPLY) :])
        replies.put(None)  # the process ended

    def _log(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-300:].decode("utf-8", "replace").strip()

    def ask(self, request: dict) -> dict:
        """The reply to ``request`` (``directory`` is added); ``{"error": ...}`` if none came."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        stdin = self._proc.stdin if self._proc is not None else None
        assert stdin is not None  # _start made the process, with a pipe to its input
        try:
            stdin.write(json.dumps({**request, "directory": self.directory}) + "\n")
            stdin.flush()
            line = self._replies.get(timeout=self.timeout)
        except queue.Empty:
            self.close()
            return {"error": f"no result within {self.timeout:.0f} seconds"}
        except OSError:  # the process is gone (a broken pipe)
            line = None
        if line is None:
            log = self._log()
            self.close()
            return {"error": f"the evaluator stopped ({log or 'no message'})"}
        return json.loads(line)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:  # always: a pipe (Popen) or the socket (_Forked)
                    proc.stdin.close()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Forked:
    """The evaluator as a copy of the grading worker's kernel zygote (which has imported
    Keras: no 5 s TensorFlow import per notebook), with a ``Popen``'s face for
    :class:`Session`: ``stdin``/``stdout`` on a Unix socket, ``stderr`` a file."""

    def __init__(self, zygote):
        from autograder.zygote import _Forked as Child

        self._dir = tempfile.mkdtemp(prefix="nncost-judge-")
        path = os.path.join(self._dir, "socket")
        self.stderr = open(os.path.join(self._dir, "stderr"), "w+b")  # noqa: SIM115
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            listener.listen(1)
            listener.settimeout(60)
            self._child = Child(zygote.evaluator(path, self.stderr.name))
            self.pid = self._child.pid
            try:
                self._conn, _ = listener.accept()
            except OSError:
                self._child.kill()
                raise
        except OSError:
            self.stderr.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        finally:
            listener.close()
        self.stdin = _Writer(self._conn)
        self.stdout = self._conn.makefile("r", encoding="utf-8")

    def poll(self) -> int | None:
        return self._child.poll()

    def wait(self, timeout: float | None = None) -> int:
        try:
            return self._child.wait(timeout)
        finally:
            if self._child.returncode is not None:
                self._conn.close()
                shutil.rmtree(self._dir, ignore_errors=True)


class _Writer:
    """The write end of the evaluator's socket; ``close`` ends its input (its EOF)."""

    def __init__(self, conn: socket.socket):
        self._conn, self._file = conn, conn.makefile("w", encoding="utf-8")

    def write(self, text: str) -> None:
        self._file.write(text)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()
        self._conn.shutdown(socket.SHUT_WR)


# --------------------------------------------------------------------------- the clean process
class _Fail(Exception):
    """What failed (a key of the check's messages), with the values its message shows."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def _private_copy(directory: str, name: str, workdir: str) -> str:
    """A private copy of ``directory/name``: a regular file, not a link, at most MAX_BYTES."""
    if os.sep in name or name in ("", ".", ".."):
        raise _Fail("unreadable", file=name, error="not a plain file name")
    try:
        fd = os.open(os.path.join(directory, name), os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise _Fail("missing", file=name) from None
    except OSError as error:  # a symbolic link (ELOOP), a directory…
        raise _Fail(
            "unreadable", file=name, error=f"not a regular file ({error.strerror})"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise _Fail("unreadable", file=name, error="not a regular file of its own")
        content = f.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _Fail("unreadable", file=name, error=f"larger than {MAX_BYTES // 1024**2} MB")
    copy = os.path.join(workdir, "answer" + os.path.splitext(name)[1])
    with open(copy, "wb") as f:
        f.write(content)
    return copy


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:200]


def _load_model(request: dict, key: str, compile: bool = False):
    """The Keras model saved as ``request[key]``; ``compile`` restores its optimizer too."""
    import keras

    with tempfile.TemporaryDirectory() as workdir:
        copy = _private_copy(request["directory"], request[key], workdir)
        try:
            return keras.saving.load_model(copy, safe_mode=True, compile=compile)
        except Exception as error:  # noqa: BLE001 — any file the kernel wrote may be refused
            raise _Fail("unreadable", file=request[key], error=_error_text(error)) from None


def _load_arrays(request: dict, key: str, names: list[str] | None = None) -> dict:
    """The arrays of a saved ``.npz`` (numbers only, never pickled objects)."""
    import numpy as np

    with tempfile.TemporaryDirectory() as workdir:
        copy = _private_copy(request["directory"], request[key], workdir)
        try:
            with np.load(copy, allow_pickle=False) as npz:
                arrays = {name: np.asarray(npz[name]) for name in (names or npz.files)}
        except Exception as error:  # noqa: BLE001 — any file the kernel wrote may be refused
            raise _Fail("unreadable", file=request[key], error=_error_text(error)) from None
    for name, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise _Fail("unreadable", file=request[key], error=f"{name} is not an array of numbers")
    return arrays


_DATA: dict = {}


def _dataset():
    """The data set this machine gives ``nncost.data.load_mnist()``: MNIST when a valid copy
    is cached (as the notebook's data cell finds it), else scikit-learn's digits."""
    if "data" not in _DATA:
        from nncost import data

        try:
            _DATA["data"] = data.load("mnist")
        except FileNotFoundError:
            _DATA["data"] = data.load("digits")
    return _DATA["data"]


def _same_data(request: dict, data) -> None:
    claimed = request.get("claimed")
    if claimed is not None and claimed != data.name:
        raise _Fail("data", claimed=claimed, actual=data.name)


def _new_task(request: dict, data):
    """The images of the new task (exercise 10a), as the notebook's data cell selects them."""
    import numpy as np

    from nncost.data import select_classes

    x_all = np.concatenate([data.x_train, data.x_test])
    y_all = np.concatenate([data.y_train, data.y_test])
    return select_classes(x_all, y_all, request["classes"], per_class=request["per_class"])


def _rows(x, size: int) -> list[bytes] | None:
    """One key per image (its float32 pixels), or None if ``x`` is not images of ``size``."""
    import numpy as np

    if x.ndim < 1 or (len(x) and x[0].size != size):
        return None
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(len(x), size)
    return [row.tobytes() for row in flat]


def _labels(y) -> list[int] | None:
    import numpy as np

    if y.ndim != 1 or not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
        return None
    return [int(v) for v in y]


_T = TypeVar("_T")


def _known(parts: list[_T | None]) -> TypeGuard[list[_T]]:
    """Whether every part could be read (none is None)."""
    return all(part is not None for part in parts)


def _pairs(x, y, size: int) -> collections.Counter[tuple[bytes, int]] | None:
    rows, labels = _rows(x, size), _labels(y)
    if rows is None or labels is None or len(rows) != len(labels):
        return None
    return collections.Counter(zip(rows, labels))


def _accuracy(model, x, y) -> float:
    import numpy as np

    try:
        probs = np.asarray(model.predict(x, batch_size=256, verbose=0))
    except Exception as error:  # noqa: BLE001 — a model that does not fit the data fails
        raise _Fail("input", error=_error_text(error)) from None
    if probs.ndim != 2 or len(probs) != len(x):
        raise _Fail("input", error=f"it outputs shape {probs.shape}, not (images, classes)")
    return float(np.mean(np.argmax(probs, axis=-1) == np.asarray(y)))


def _count(model, kind) -> int:
    stack, found = list(model.layers), 0
    while stack:
        layer = stack.pop()
        found += isinstance(layer, kind)
        stack += list(getattr(layer, "layers", []))
    return found


def task_accuracy(request: dict) -> dict:
    import keras

    model = _load_model(request, "file")
    if _count(model, keras.layers.Conv2D) < request["conv"]:
        raise _Fail("conv")
    data = _dataset()
    _same_data(request, data)
    accuracy = _accuracy(model, data.x_test, data.y_test)
    target = request["target"][data.name]
    if accuracy < target:
        raise _Fail("below", accuracy=accuracy, target=target, data=data.name)
    return {"accuracy": accuracy, "target": target, "data": data.name}


SPLIT = ["x_train", "y_train", "x_val", "y_val", "x_test", "y_test"]


def task_split(request: dict) -> dict:
    import numpy as np

    data = _dataset()
    _same_data(request, data)
    x_new, y_new = _new_task(request, data)
    if np.bincount(y_new).min() < request["min_per_class"]:
        raise _Fail("few")
    arrays = _load_arrays(request, "file", SPLIT)
    parts = [(arrays[f"x_{s}"], arrays[f"y_{s}"]) for s in ("train", "val", "test")]
    if any(x.ndim < 1 or y.ndim < 1 or len(x) != len(y) for x, y in parts):
        raise _Fail("lengths")
    n = len(x_new)
    if sum(len(x) for x, _ in parts) != n:
        raise _Fail("total", n=n)
    for (x, _), share in zip(parts, request["shares"]):
        if abs(len(x) / n - share) > request["tolerance"]:
            raise _Fail("shares")
    size = int(np.prod(data.image_shape))
    rows = [_rows(x, size) for x, _ in parts]
    if not _known(rows) or collections.Counter(
        itertools.chain.from_iterable(rows)
    ) != collections.Counter(_rows(x_new, size)):
        raise _Fail("images")
    pairs = [_pairs(x, y, size) for x, y in parts]
    if not _known(pairs) or sum(pairs, collections.Counter()) != _pairs(x_new, y_new, size):
        raise _Fail("labels")
    classes = len(request["classes"])
    if any(len(np.unique(y)) != classes for _, y in parts):
        raise _Fail("classes")
    return {"sizes": [len(x) for x, _ in parts]}


def _values(model) -> list:
    import keras
    import numpy as np

    return [np.asarray(keras.ops.convert_to_numpy(w)) for w in model.weights]


def _pretrained(request: dict) -> list:
    arrays = _load_arrays(request, "pretrained")
    try:
        return [arrays[f"arr_{i}"] for i in range(len(arrays))]
    except KeyError:
        raise _Fail(
            "unreadable", file=request["pretrained"], error="not a list of arrays"
        ) from None


def _base(request: dict, model, pretrained: list, key: str) -> list[int]:
    """Indices (in ``model.weights``) of the base's weights, as the kernel names them, checked
    against the shapes of the pretrained weights."""
    index = request.get("claimed_base")
    weights = model.weights
    if (
        not isinstance(index, list)
        or len(index) != len(pretrained)
        or len(set(index)) != len(index)
        or not all(isinstance(i, int) and 0 <= i < len(weights) for i in index)
        or any(tuple(weights[i].shape) != a.shape for i, a in zip(index, pretrained))
    ):
        raise _Fail(key)
    return index


def task_frozen(request: dict) -> dict:
    import numpy as np

    model = _load_model(request, "file")
    pretrained = _pretrained(request)
    index = _base(request, model, pretrained, "changed")
    values = _values(model)
    if not pretrained or not all(np.array_equal(values[i], a) for i, a in zip(index, pretrained)):
        raise _Fail("changed")
    base_ids = {id(model.weights[i]) for i in index}
    head = sum(int(np.prod(w.shape)) for w in model.weights) - sum(a.size for a in pretrained)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    if not 0 < trainable == head or any(id(w) in base_ids for w in model.trainable_weights):
        raise _Fail("head")
    return {"head": head}


def _learning_rate(model) -> float | None:
    import keras

    try:
        return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    except Exception:  # noqa: BLE001 — no optimizer, or not one with a learning rate
        return None


def task_finetune(request: dict) -> dict:
    import numpy as np

    model = _load_model(request, "file", compile=True)
    try:
        phase1 = _load_model(request, "phase1", compile=True)
        pretrained = _pretrained(request)
    except _Fail as failed:
        raise _Fail("phase1", **failed.values) from None
    lr, lr1 = _learning_rate(model), _learning_rate(phase1)
    if lr is None or lr1 is None or not lr <= lr1 / request["lr_factor"] * 1.001:
        raise _Fail("lr")
    data = _dataset()
    _same_data(request, data)
    x_new, y_new = _new_task(request, data)
    size = int(np.prod(data.image_shape))
    try:
        split = _load_arrays(request, "split", SPLIT)
    except _Fail:
        raise _Fail("test") from None
    x_test, y_test = split["x_test"], split["y_test"]
    held_out = [_pairs(split["x_train"], split["y_train"], size), _pairs(x_test, y_test, size)]
    new_pairs = _pairs(x_new, y_new, size)
    assert new_pairs is not None  # the data set's own images and labels
    if (
        not _known(held_out)
        or len(x_test) < request["min_test"]
        or held_out[0] + held_out[1] - new_pairs
    ):
        raise _Fail("test")
    index = _base(request, model, pretrained, "base")
    base_ids = {id(model.weights[i]) for i in index}
    if not any(id(w) in base_ids for w in model.trainable_weights):
        raise _Fail("trainable")
    values = _values(model)
    if all(np.array_equal(values[i], a) for i, a in zip(index, pretrained)):
        raise _Fail("unchanged")
    x = np.asarray(x_test, dtype=np.float32).reshape((len(x_test), *data.image_shape))
    accuracy = _accuracy(model, x, y_test)
    target = request["target"][data.name]
    if accuracy < target:
        raise _Fail("below", accuracy=accuracy, target=target, data=data.name)
    return {"accuracy": accuracy, "target": target, "data": data.name}


TASKS = {
    "accuracy": task_accuracy,
    "split": task_split,
    "frozen": task_frozen,
    "finetune": task_finetune,
}


def answer(request: dict) -> dict:
    """The reply to one request: ``{"fail": key or None, "values": {...}}``."""
    try:
        return {"fail": None, "values": TASKS[request["task"]](request)}
    except _Fail as failed:
        return {"fail": failed.key, "values": failed.values}
    except Exception as error:  # noqa: BLE001 — reported to the judge, which fails the check
        return {"error": _error_text(error)}


def main() -> int:
    """Answer the requests on stdin, one per line, until stdin closes."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever Keras, TensorFlow or a print writes goes to stderr, not the replies
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if line.strip():
            replies.write(REPLY + json.dumps(answer(json.loads(line))) + "\n")
            replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
