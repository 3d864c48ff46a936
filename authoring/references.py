"""What each part of a hidden test expects, computed with nncost when the release is built.

One function per part of :mod:`authoring.hidden`, same name, same arguments; each returns the
checks (dicts) :mod:`autograder.verdict` judges with. A reference (``want``) is written in the
notebook as an expression, evaluated here in :func:`namespace`::

    params(course.q1())                       nncost's parameter count of question 1's model
    size_bytes(course.q4()) / 1024            its model size in KB
    profile(course.exercise2()).memory.inference_peak_bytes
    formulas.conv_params((3, 3), 3, 100)

so a number the grader expects is never typed by hand, and a model whose count nncost and
Keras disagree on stops the release. Letters (``choice``, ``choices``, ``mapping``) and the
instructor's targets (accuracy, shares) are literals.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

_LABELS = {"params": "parameter", "flops": "FLOPs"}
_INDEX = {"params": 0, "flops": 1}


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    return keras


def profile(model, **kwargs):
    """nncost's report of ``model`` (the course's conventions), its warnings silenced."""
    import nncost

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nncost.profile(model, **kwargs)


def params(model) -> int:
    report = profile(model)
    if report.params != model.count_params():
        raise ValueError(f"nncost counts {report.params} parameters, Keras {model.count_params()}")
    return report.params


def flops(model) -> int:
    return profile(model).flops


def size_bytes(model) -> int:
    return profile(model).model_size_bytes


def time_s(model, gflops: float = 1) -> float:
    """Seconds for one inference on a processor doing ``gflops`` × 10⁹ FLOPs per second."""
    return profile(model).inference_time(gflops * 1e9)


def training(model, batch: int, optimizer: str):
    """nncost's memory for one training step of ``batch`` samples with ``optimizer``."""
    return profile(model).memory.training(batch, optimizer=optimizer)


def layer_params(model) -> list[int]:
    return [layer.count_params() for layer in model.layers]


def shapes(model) -> list[list[int]]:
    return [[int(d) for d in layer.output.shape[1:]] for layer in model.layers]


def step_flops(model) -> int:
    """FLOPs of one time step of the model's (first) recurrent layer."""
    report = profile(model)
    rec = [r for r in report.leaves if r.kind in ("SimpleRNN", "LSTM", "GRU")]
    if not rec:
        raise ValueError("the model has no SimpleRNN, LSTM or GRU layer")
    steps = model.get_layer(rec[0].name).input.shape[1]
    return rec[0].flops // steps


def model_key(model) -> dict:
    """What a ``model`` check compares: input shapes, each layer's key, parameter count."""
    from nncost.answers import encode, layer_key

    exported = encode(model)
    return {
        "inputs": exported["inputs"],
        "layers": [layer_key(layer) for layer in exported["layers"]],
        "params": exported["params"],
    }


@functools.cache
def namespace() -> dict[str, Any]:
    """The names a reference expression may use."""
    keras = _keras()

    import nncost
    from nncost import course, formulas

    return {
        "keras": keras,
        "layers": keras.layers,
        "course": course,
        "formulas": formulas,
        "nncost": nncost,
        "reduce": functools.reduce,
        **{
            f.__name__: f
            for f in (
                profile,
                params,
                flops,
                size_bytes,
                time_s,
                training,
                layer_params,
                shapes,
                step_flops,
            )
        },
    }


def value(expression: str | float) -> Any:
    """A reference: ``expression`` evaluated in :func:`namespace` (a number stays a number)."""
    if not isinstance(expression, str):
        return expression
    return eval(expression, dict(namespace()))  # the instructor's source notebook


def build(expression: str):
    """The Keras model a model expression (``course.q1()``, ``keras.Sequential([...])``) builds."""
    return value(expression)


# --------------------------------------------------------------------------- one per part
def model(name: str, like: str) -> list[dict]:
    built = build(like)
    params(built)  # nncost and Keras must agree
    return [{"kind": "model", "answer": name, "want": model_key(built)}]


def integer(name: str, want: str, label: str) -> list[dict]:
    got = value(want)
    if int(got) != got:
        raise ValueError(f"{want} is {got}, not an integer")
    return [
        {
            "kind": "equal",
            "answer": name,
            "want": {"type": "int", "value": int(got)},
            "message": f"{name} is not the {label}",
        }
    ]


def close(name: str, want: str, label: str, rel: float = 1e-6) -> list[dict]:
    return [
        {
            "kind": "close",
            "answer": name,
            "want": float(value(want)),
            "rel": rel,
            "message": f"{name} is not the {label}",
        }
    ]


def items(name: str, want: str, of: str, message: str) -> list[dict]:
    return [{"kind": "items", "answer": name, "want": value(want), "of": of, "message": message}]


def bars(name: str, want: str, message: str, rel: float = 1e-6) -> list[dict]:
    return [{"kind": "bars", "answer": name, "rel": rel, "want": value(want), "message": message}]


def number(name: str, want: str, message: str, hints: list | tuple = ()) -> list[dict]:
    check = {"kind": "number", "answer": name, "want": int(value(want)), "message": message}
    if hints:
        check["hints"] = [[int(value(wrong)), text] for wrong, text in hints]
    return [check]


def numbers(name: str, want: str, message: str) -> list[dict]:
    return [
        {
            "kind": "numbers",
            "answer": name,
            "want": [int(v) for v in value(want)],
            "message": message,
        }
    ]


def choice(name: str, want: str, message: str, hints: list | tuple = ()) -> list[dict]:
    check: dict = {"kind": "choice", "answer": name, "want": want, "message": message}
    if hints:
        check["hints"] = [list(hint) for hint in hints]
    return [check]


def choices(name: str, want: list, message: str, hints: list | tuple = ()) -> list[dict]:
    check: dict = {"kind": "choices", "answer": name, "want": list(want), "message": message}
    if hints:
        check["hints"] = [list(hint) for hint in hints]
    return [check]


def mapping(name: str, want: dict) -> list[dict]:
    return [{"kind": "mapping", "answer": name, "want": dict(want)}]


def compute(item: str, cases: list) -> list[dict]:
    from nncost.checks import FORBIDDEN_NAMES

    measure = {"params": params, "flops": flops}[item]
    # names compute may not use: asking Keras or nncost for the answer instead of working it out
    forbidden = FORBIDDEN_NAMES if item == "params" else ("nncost", "profile")
    return [
        {
            "kind": "compute",
            "answer": "outputs",
            "index": _INDEX[item],
            "label": _LABELS[item],
            "cases": [description for description, _ in cases],
            "want": [measure(build(expression)) for _, expression in cases],
            "forbidden": list(forbidden),
        }
    ]


def accuracy(
    name: str, file: str, target: dict, messages: dict, data: str = "data", conv: int = 1
) -> list[dict]:
    return [
        {
            "kind": "accuracy",
            "answer": name,
            "model": name,
            "data": "data_name",
            "file": file,
            "conv": conv,
            "target": dict(target),
            "messages": dict(messages),
        }
    ]


def split(
    file: str,
    sets: dict,
    classes: list,
    per_class: int,
    min_per_class: int,
    shares: list,
    tolerance: float,
    messages: dict,
    data: str = "data",
) -> list[dict]:
    return [
        {
            "kind": "split",
            "answer": "data_name",
            "data": "data_name",
            "file": file,
            "classes": list(classes),
            "per_class": per_class,
            "min_per_class": min_per_class,
            "shares": list(shares),
            "tolerance": tolerance,
            "messages": dict(messages),
        }
    ]


def frozen(
    name: str, file: str, pretrained: str, messages: dict, weights: str, base: str = "base"
) -> list[dict]:
    return [
        {
            "kind": "frozen",
            "answer": name,
            "model": name,
            "base": "base_weights",
            "file": file,
            "pretrained": pretrained,
            "messages": dict(messages),
        }
    ]


def finetune(
    name: str,
    file: str,
    phase1: str,
    pretrained: str,
    split: str,
    classes: list,
    per_class: int,
    min_test: int,
    lr_factor: int,
    target: dict,
    messages: dict,
    base: str = "base",
    data: str = "data",
) -> list[dict]:
    return [
        {
            "kind": "finetune",
            "answer": name,
            "model": name,
            "base": "base_weights",
            "data": "data_name",
            "file": file,
            "phase1": phase1,
            "pretrained": pretrained,
            "split": split,
            "classes": list(classes),
            "per_class": per_class,
            "min_test": min_test,
            "lr_factor": lr_factor,
            "target": dict(target),
            "messages": dict(messages),
        }
    ]
