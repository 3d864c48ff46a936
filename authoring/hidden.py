"""The one helper every hidden test calls: a graded cell's hidden part is one :func:`expect`.

What an instructor writes in a graded cell of ``source/<assignment>/<assignment>.ipynb``::

    ### BEGIN HIDDEN TESTS
    import authoring.hidden as _hidden

    _hidden.expect(
        "q1_size",
        _hidden.integer("q1_size_bytes", "size_bytes(course.q1())", "model size in bytes"),
        _hidden.close("q1_size_kb", "size_bytes(course.q1()) / 1024", "model size in KB"),
    )
    ### END HIDDEN TESTS

The same text is read twice, never the same way:

- **in the student's kernel**, when the notebook is graded, each part picks up the answers it
  names from the notebook's namespace (the file parts also save a model or arrays next to the
  notebook), and :func:`expect` hands them all to the grader in one record
  (:func:`nncost.answers.export`). The references are strings the kernel never evaluates:
  nothing here decides a verdict, and nothing here tells the kernel an expected value.
- **when the release is built**, :func:`compile_cell` parses the call (it never runs it) and
  :mod:`authoring.references` turns each part into the checks :mod:`autograder.verdict` judges
  with, computing the references with nncost. They are stored in the cell's metadata with a
  fingerprint of the hidden part (:func:`fingerprint`), so references that no longer match the
  text are refused at grading time, with the command that rebuilds them.

A part's arguments are literals (strings, numbers, lists, dicts); a reference (``want``) is an
expression over nncost's names, evaluated only at release (see :mod:`authoring.references`).
"""

from __future__ import annotations

import ast
import hashlib
import sys
from typing import Any

__all__ = [
    "HIDDEN_BEGIN",
    "HIDDEN_END",
    "HiddenTestError",
    "accuracy",
    "bars",
    "choice",
    "choices",
    "close",
    "compile_cell",
    "compute",
    "expect",
    "finetune",
    "fingerprint",
    "frozen",
    "hidden_part",
    "integer",
    "items",
    "kernel_form",
    "mapping",
    "model",
    "number",
    "numbers",
    "split",
]

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


class HiddenTestError(ValueError):
    """A hidden part the release cannot read; the message says which cell and what to write."""


# --------------------------------------------------------------------------- kernel side
class _Part:
    """The answers one part hands over (name -> value)."""

    def __init__(self, answers: dict[str, Any]):
        self.answers = answers


def _namespace() -> dict[str, Any]:
    """The notebook's namespace, from inside a part: the globals of the cell that called it."""
    return sys._getframe(2).f_globals  # 0: here, 1: the part, 2: the cell


def _names(*names: str) -> _Part:
    ns = sys._getframe(2).f_globals  # 0: here, 1: the part, 2: the cell
    return _Part({name: ns[name] for name in names if name in ns})


def expect(grade_id: str, *parts: _Part) -> None:
    """Hand every part's answers to the grader, as the record of the graded cell ``grade_id``."""
    from nncost.answers import export

    answers: dict[str, Any] = {}
    for part in parts:
        answers.update(part.answers)
    export(grade_id, **answers)


def model(name: str, like: str = "") -> _Part:
    """``name`` is a Keras model like the one the expression ``like`` builds (input, layers,
    parameter count)."""
    return _names(name)


def integer(name: str, want: str = "", label: str = "") -> _Part:
    """``name`` is a plain ``int`` equal to ``want``; the message says it is not the ``label``."""
    return _names(name)


def close(name: str, want: str = "", label: str = "", rel: float = 1e-6) -> _Part:
    """``name`` is a number within ``rel`` of ``want``."""
    return _names(name)


def items(name: str, want: str = "", of: str = "", message: str = "") -> _Part:
    """``name`` is a list/tuple whose items (``"int"`` or ``"shape"``) equal ``want``'s."""
    return _names(name)


def bars(name: str, want: str = "", message: str = "", rel: float = 1e-6) -> _Part:
    """``name`` is a matplotlib figure with the bar series ``want`` (heights and labels)."""
    return _names(name)


def number(name: str, want: str = "", message: str = "", hints: list | tuple = ()) -> _Part:
    """``name`` is a number equal to ``want``; ``hints``: ``[wrong value, message]`` pairs."""
    return _names(name)


def numbers(name: str, want: str = "", message: str = "") -> _Part:
    """``name`` is a list/tuple of numbers equal to ``want``'s, item by item."""
    return _names(name)


def choice(name: str, want: str = "", message: str = "", hints: list | tuple = ()) -> _Part:
    """``name`` is the letter ``want`` (case and spaces ignored); ``hints`` name wrong letters."""
    return _names(name)


def choices(
    name: str, want: list | tuple = (), message: str = "", hints: list | tuple = ()
) -> _Part:
    """``name`` is the set of letters ``want``."""
    return _names(name)


def mapping(name: str, want: dict | None = None) -> _Part:
    """``name`` is a dict whose values (letters) match ``want`` key by key."""
    return _names(name)


def compute(item: str, cases: list) -> _Part:
    """Run the notebook's ``compute(model)`` on each case (``[description, model expression]``)
    and hand over its outputs (or each call's error) and the names its code uses; ``item``
    (``"params"`` or ``"flops"``) is the part of the output judged."""
    import keras

    import nncost.course
    from nncost.answers import run
    from nncost.checks import names_used

    ns = _namespace()
    if "compute" not in ns:
        return _Part({})
    scope = {"keras": keras, "layers": keras.layers, "course": nncost.course}
    models = [
        eval(expression, scope) for _, expression in cases
    ]  # ours: the source notebook's case models
    fn = ns["compute"]
    return _Part({"outputs": run(fn, models), "uses": sorted(names_used(fn))})


def _data_name(ns: dict, data: str) -> dict[str, Any]:
    return {"data_name": ns[data].name} if data in ns else {}


def _save_model(value: Any, file: str) -> None:
    import keras

    if isinstance(value, keras.Model):
        keras.saving.save_model(value, file)


def _base_weights(ns: dict, name: str, base: str) -> dict[str, Any]:
    """Where the weights of ``base`` sit in ``name``'s weights (the kernel's word for it)."""
    if name not in ns or base not in ns:
        return {}
    mine = {id(w) for w in ns[base].weights}
    return {"base_weights": [i for i, w in enumerate(ns[name].weights) if id(w) in mine]}


def accuracy(
    name: str,
    file: str,
    target: dict | None = None,
    messages: dict | None = None,
    data: str = "data",
    conv: int = 1,
) -> _Part:
    """``name`` is a Keras model (saved as ``file`` for the grader) with at least ``conv``
    Conv2D layers reaching ``target[data set]`` on held-out images the grader loads itself."""
    ns = _namespace()
    if name in ns:
        _save_model(ns[name], file)
    return _Part({**({name: ns[name]} if name in ns else {}), **_data_name(ns, data)})


def split(
    file: str,
    sets: dict,
    classes: list | None = None,
    per_class: int = 0,
    min_per_class: int = 0,
    shares: list | None = None,
    tolerance: float = 0.0,
    messages: dict | None = None,
    data: str = "data",
) -> _Part:
    """The arrays named in ``sets`` (``{"x_train": name, ...}``), saved as ``file``, are an
    exact stratified split of the new task's images, in ``shares``."""
    import numpy as np

    ns = _namespace()
    if all(array in ns for array in sets.values()):
        arrays: dict[str, Any] = {key: np.asarray(ns[array]) for key, array in sets.items()}
        np.savez_compressed(file, **arrays)
    return _Part(_data_name(ns, data))


def frozen(
    name: str,
    file: str,
    pretrained: str,
    messages: dict | None = None,
    weights: str = "pretrained_weights",
    base: str = "base",
) -> _Part:
    """``name`` as phase 1 left it (saved as ``file``) holds the weights ``weights`` had before
    phase 1 (saved as ``pretrained``) unchanged, and only its head is trainable."""
    import numpy as np

    ns = _namespace()
    if name in ns:
        _save_model(ns[name], file)
    if weights in ns:
        np.savez_compressed(pretrained, *[np.asarray(w) for w in ns[weights]])
    return _Part({**({name: ns[name]} if name in ns else {}), **_base_weights(ns, name, base)})


def finetune(
    name: str,
    file: str,
    phase1: str = "",
    pretrained: str = "",
    split: str = "",
    classes: list | None = None,
    per_class: int = 0,
    min_test: int = 0,
    lr_factor: int = 0,
    target: dict | None = None,
    messages: dict | None = None,
    base: str = "base",
    data: str = "data",
) -> _Part:
    """``name`` after phase 2 (saved as ``file``): a learning rate ``lr_factor``× below phase
    1's, base weights trainable and changed, ``target`` accuracy on the saved test set."""
    ns = _namespace()
    if name in ns:
        _save_model(ns[name], file)
    return _Part(
        {
            **({name: ns[name]} if name in ns else {}),
            **_base_weights(ns, name, base),
            **_data_name(ns, data),
        }
    )


# --------------------------------------------------------------------------- release side
def hidden_part(source: str) -> str | None:
    """The text between a cell's hidden-test markers, or None when it has none."""
    if HIDDEN_BEGIN not in source:
        return None
    return source.split(HIDDEN_BEGIN, 1)[1].split(HIDDEN_END, 1)[0].strip("\n")


def fingerprint(source: str) -> str:
    """What the stored references were compiled from: a hash of the cell's hidden part."""
    hidden = hidden_part(source) or ""
    return hashlib.sha256(hidden.strip().encode()).hexdigest()[:16]


_KINDS = (
    "model",
    "integer",
    "close",
    "items",
    "bars",
    "number",
    "numbers",
    "choice",
    "choices",
    "mapping",
    "compute",
    "accuracy",
    "split",
    "frozen",
    "finetune",
)


def _literal(node: ast.AST, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise HiddenTestError(
            f"{where}: arguments must be literals (strings, numbers, lists, dicts); "
            f"write an expression as a string, e.g. 'params(course.q1())'"
        ) from None


def _arguments(node: ast.Call, where: str) -> tuple[list, dict]:
    """A part's positional and keyword arguments, each a literal."""
    args = [_literal(arg, where) for arg in node.args]
    kwargs = {k.arg: _literal(k.value, where) for k in node.keywords if k.arg}
    return args, kwargs


def _parts(grade_id: str, hidden: str) -> list[tuple[str, ast.Call]]:
    """The parts (kind, call) of the hidden part's one ``expect(grade_id, part, ...)`` call."""
    where = f"graded cell {grade_id!r}"
    try:
        body = ast.parse(hidden).body
    except SyntaxError as error:
        raise HiddenTestError(f"{where}: its hidden part is not valid Python ({error})") from None
    calls = [
        node.value
        for node in body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and _callee(node.value) == "expect"
    ]
    if len(calls) != 1:
        raise HiddenTestError(
            f"{where}: its hidden part must make exactly one _hidden.expect({grade_id!r}, ...) "
            f"call (found {len(calls)})"
        )
    call = calls[0]
    if not call.args or _literal(call.args[0], where) != grade_id:
        raise HiddenTestError(f"{where}: the first argument of expect must be {grade_id!r}")
    parts = []
    for node in call.args[1:]:
        kind = _callee(node) if isinstance(node, ast.Call) else None
        if not (isinstance(node, ast.Call) and kind in _KINDS):
            raise HiddenTestError(
                f"{where}: each part of expect must be one of _hidden.{', _hidden.'.join(_KINDS)}"
            )
        parts.append((kind, node))
    return parts


def compile_cell(grade_id: str, source: str) -> list[dict]:
    """The checks of a graded cell, from the :func:`expect` call in its hidden part.

    Parses the call (never runs it) and asks :mod:`authoring.references` for each part's
    checks, whose references nncost computes here, in the release's process.
    """
    from authoring import references

    hidden = hidden_part(source)
    if hidden is None:
        raise HiddenTestError(f"graded cell {grade_id!r} has no {HIDDEN_BEGIN} part")
    where = f"graded cell {grade_id!r}"
    checks = []
    for kind, node in _parts(grade_id, hidden):
        args, kwargs = _arguments(node, f"{where}, {kind}")
        try:
            checks += getattr(references, kind)(*args, **kwargs)
        except Exception as error:
            raise HiddenTestError(f"{where}, {kind}: {type(error).__name__}: {error}") from error
    return checks


#: what the kernel needs of each part: the names of the answers and files, the models compute
#: runs on; never a reference, a message or a target
_KERNEL_ARGS = {
    "compute": ("item", "cases"),
    "accuracy": ("name", "file", "data"),
    "split": ("file", "sets", "data"),
    "frozen": ("name", "file", "pretrained", "weights", "base"),
    "finetune": ("name", "file", "base", "data"),
}


def kernel_form(grade_id: str, source: str) -> str:
    """``source`` with its hidden part as the student's kernel runs it: the same
    :func:`expect` call with each part's references, messages and targets left out.

    nbgrader stores this text in the gradebook when the release is built (the preprocessor
    :class:`authoring.release.KernelForm`), so the kernel that grades a notebook never holds
    an expected value, not even in the text of the cell it runs (IPython keeps that text).
    """
    import inspect

    from authoring import references

    hidden = hidden_part(source)
    if hidden is None:
        return source
    parts = []
    for kind, node in _parts(grade_id, hidden):
        args, kwargs = _arguments(node, f"graded cell {grade_id!r}, {kind}")
        bound = inspect.signature(getattr(references, kind)).bind(*args, **kwargs)
        keep = _KERNEL_ARGS.get(kind, ("name",))
        first, *rest = [name for name in keep if name in bound.arguments]
        kept = [repr(bound.arguments[first])] + [f"{n}={bound.arguments[n]!r}" for n in rest]
        parts.append(f"    _hidden.{kind}({', '.join(kept)}),")
    kernel = "\n".join(
        [
            "import authoring.hidden as _hidden",
            "",
            f"_hidden.expect(\n    {grade_id!r},",
            *parts,
            ")",
        ]
    )
    before, after = source.split(HIDDEN_BEGIN, 1)
    return before + HIDDEN_BEGIN + "\n" + kernel + "\n" + HIDDEN_END + after.split(HIDDEN_END, 1)[1]


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
