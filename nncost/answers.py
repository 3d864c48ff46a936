"""Hand a notebook's answers to the grader as plain data.

The hidden part of every graded cell calls :func:`export`; it decides nothing. It writes the
student's answers into the cell's output as a JSON record of plain, typed values, and the
grader compares that record with its references in a process of its own
(:mod:`autograder.verdict`), after the kernel has finished. Nothing that runs in the student's
kernel can therefore change a verdict: it can only change what the record claims, and a claim
is judged like any other answer.

Every value is written with its exact type (``type(x) is int``, not ``isinstance``), so a
subclass of ``int`` with a lying ``__eq__`` is written as what it is, with the value that
``int`` itself gives it::

    {"type": "int", "value": 264}
    {"type": "float", "value": 0.2578125}
    {"type": "numpy.int64", "value": 264}
    {"type": "tuple", "items": [{"type": "int", "value": 13}, ...]}
    {"type": "keras.Model", "inputs": [[5]], "layers": [{"class": "Dense", ...}, ...]}
    {"type": "matplotlib.Figure", "axes": [{"title": "", "yscale": "linear",
     "bars": [{"heights": [66.0, 126.0], "labels": ["Q1", "Q2"]}]}]}
    {"type": "other", "class": "mymodule.Yes", "repr": "Yes(0)"}

This module imports neither TensorFlow nor numpy.
"""

from __future__ import annotations

import contextlib
import math
import sys

__all__ = ["MIME", "Raised", "encode", "export", "layer_key", "plain", "record", "run"]

#: MIME type of the answers record in a cell's outputs.
MIME = "application/vnd.nncost.answers.v1+json"

_MAX_ITEMS = 10_000  #: longer sequences are cut (and then fail any comparison)
_MAX_DEPTH = 8


class Raised:
    """What :func:`run` gives for a call that raised: the error, as text."""

    def __init__(self, error: BaseException):
        self.error = f"{type(error).__name__}: {error}"[:300]


def run(fn, cases: list) -> list:
    """``[fn(case) for case in cases]``, each call's output and errors captured.

    A call that raises gives a :class:`Raised` (exported as ``{"type": "raised", ...}``), so
    one failing case is reported as such and the other cases still run.
    """
    import contextlib
    import io

    results = []
    for case in cases:
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                results.append(fn(case))
        except Exception as error:  # noqa: BLE001 — the student's error is the answer
            results.append(Raised(error))
    return results


def _number(x):
    """A float as JSON can hold it (non-finite values as strings)."""
    return x if math.isfinite(x) else repr(x)


def _keras_model(x) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(x, keras.Model)


def _layer(layer) -> dict[str, object]:
    out: dict[str, object] = {"class": type(layer).__name__, "name": str(layer.name)}
    for attr in ("units", "filters", "kernel_size", "pool_size", "strides", "padding", "rate"):
        value = getattr(layer, attr, None)
        if value is not None:
            out[attr] = encode(value)
    activation = getattr(layer, "activation", None)
    if activation is not None:
        out["activation"] = str(getattr(activation, "__name__", activation))
    try:
        out["output"] = [None if d is None else int(d) for d in layer.output.shape[1:]]
    except (AttributeError, ValueError, TypeError):
        out["output"] = None
    out["params"] = int(layer.count_params()) if layer.built else None
    return out


def _model(model) -> dict:
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    return {
        "type": "keras.Model",
        "class": type(model).__name__,
        "inputs": [[None if d is None else int(d) for d in t.shape[1:]] for t in model.inputs],
        "layers": [_layer(layer) for layer in layers],
        "params": int(model.count_params()),
    }


def _matplotlib_figure(x) -> bool:
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(x, figure.Figure)


def _figure(fig) -> dict:
    """A figure as what it plots, not its pixels: for each Axes its title, y scale, and for each
    bar container the bars' values (heights; widths for ``barh``) and their tick labels."""
    from matplotlib.container import BarContainer

    # No drawing: Axis.get_ticklabels() sets the labels from the axis' formatter itself
    # (categories, set_xticks(labels=...), tick_label=...), 40-100 ms less than a draw each time
    axes = []
    for ax in fig.axes:
        bars = []
        for container in ax.containers:
            if not isinstance(container, BarContainer):
                continue
            horizontal = getattr(container, "orientation", "vertical") == "horizontal"
            axis, size = (ax.yaxis, "get_width") if horizontal else (ax.xaxis, "get_height")
            ticks = {
                round(float(t), 6): label.get_text()
                for t, label in zip(axis.get_ticklocs(), axis.get_ticklabels())
            }
            centres = [
                p.get_y() + p.get_height() / 2 if horizontal else p.get_x() + p.get_width() / 2
                for p in container.patches
            ]
            bars.append(
                {
                    "heights": [_number(float(getattr(p, size)())) for p in container.patches],
                    "labels": [ticks.get(round(float(c), 6), "") for c in centres],
                }
            )
        axes.append({"title": str(ax.get_title()), "yscale": str(ax.get_yscale()), "bars": bars})
    return {"type": "matplotlib.Figure", "axes": axes}


def encode(value, _depth: int = 0) -> dict:
    """``value`` as plain JSON data, tagged with its exact type."""
    kind = type(value)
    if _depth > _MAX_DEPTH:
        return {"type": "other", "class": "too deep", "repr": ""}
    if value is None:
        return {"type": "none"}
    if kind is bool:
        return {"type": "bool", "value": bool.__bool__(value)}
    if kind is int:
        return {"type": "int", "value": int.__index__(value)}
    if kind is float:
        return {"type": "float", "value": _number(float.__float__(value))}
    if kind is str:
        return {"type": "str", "value": str.__str__(value)[:10_000]}
    if kind in (list, tuple, set, frozenset):
        items = list(value)[:_MAX_ITEMS]
        enc = [encode(item, _depth + 1) for item in items]
        if kind in (set, frozenset):
            enc.sort(key=repr)
            return {"type": "set", "items": enc}
        return {"type": kind.__name__, "items": enc}
    if kind is Raised:
        return {"type": "raised", "error": value.error}
    if kind is dict:
        pairs = list(dict.items(value))[:_MAX_ITEMS]
        return {
            "type": "dict",
            "items": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in pairs],
        }
    module = getattr(kind, "__module__", "") or ""
    if module == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        item = value.item()  # a numpy scalar: its type is kept, its value made plain
        inner = encode(item, _depth + 1)
        return {**inner, "type": f"numpy.{kind.__name__}"}
    if module == "numpy" and kind.__name__ == "ndarray":
        return {
            "type": "numpy.ndarray",
            "dtype": str(value.dtype),
            "shape": [int(d) for d in value.shape],
            "items": [encode(x, _depth + 1) for x in value.tolist()[:_MAX_ITEMS]]
            if value.ndim
            else [encode(value.item(), _depth + 1)],
        }
    if _keras_model(value):
        return _model(value)
    if _matplotlib_figure(value):
        with contextlib.suppress(Exception):  # a figure that cannot be read is encoded as "other"
            return _figure(value)
    try:
        text = object.__repr__(value)
    except Exception:  # noqa: BLE001 — nothing a student object does may stop the export
        text = "?"
    return {"type": "other", "class": f"{module}.{kind.__qualname__}", "repr": text[:200]}


def plain(encoded):
    """An encoded value back as plain data: lists and tuples as lists, scalars as their value
    (``None`` for anything else, or for what is not an encoded value at all)."""
    if not isinstance(encoded, dict):
        return None
    if encoded.get("type") in ("list", "tuple"):
        return [plain(item) for item in encoded.get("items", [])]
    return encoded.get("value")


def layer_key(layer: dict) -> list:
    """``[kind, activation, size, window]`` of an exported layer: what a model check compares.

    ``size`` is ``units`` or ``filters`` (0 if neither), ``window`` the ``kernel_size`` or
    ``pool_size`` (``[]`` if neither), ``activation`` the name (``"None"`` without one).
    """
    size = plain(layer.get("units")) or plain(layer.get("filters")) or 0
    window = plain(layer.get("kernel_size")) or plain(layer.get("pool_size")) or []
    return [layer.get("class"), str(layer.get("activation")), size, list(window)]


def record(grade_id: str, answers: dict) -> dict:
    """The answers record of one graded cell: ``{"grade_id": …, "answers": {name: encoded}}``."""
    return {"grade_id": str(grade_id), "answers": {str(k): encode(v) for k, v in answers.items()}}


def export(grade_id: str, /, **answers) -> None:
    """Write the answers of the graded cell ``grade_id`` into its output for the grader.

    Call it last in the hidden part of a graded cell::

        nncost.answers.export("q1_size", q1_size_bytes=q1_size_bytes, q1_size_kb=q1_size_kb)
    """
    rec = record(grade_id, answers)
    from IPython.display import display

    display(
        {MIME: rec, "text/plain": f"answers recorded for grading: {', '.join(answers)}"}, raw=True
    )
