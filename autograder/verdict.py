"""Verdicts the student's kernel cannot reach.

The hidden part of a graded cell only *exports* the student's answers as plain typed data
(:func:`nncost.answers.export`). :class:`Judge`, an nbgrader preprocessor that runs in the
grading process right after the notebook has executed, compares each exported record with the
cell's references and rewrites the cell's outputs: one error with the check's message when the
answer is wrong or missing, a line saying it passed otherwise. nbgrader's ``SaveAutoGrades``
then scores the cell from those outputs as usual (an error: 0 points; none: all of them).

So nothing the kernel did decides a verdict: not a rebound built-in, a patched module, a hidden
traceback, an emptied cell, an always-equal object or a faked partial-credit output. The kernel
can only change what a record claims, and a claim is judged like any other answer.

References live in the instructor's source notebook, in each graded cell's metadata
(``metadata.nncost.verdict``: a list of checks, compiled with nncost from the cell's hidden
``authoring.hidden.expect`` call when the release is built, :mod:`authoring.build`). The kernel never sees them: cell metadata is not sent to a kernel,
:class:`ClearReferences` removes them from the release, and ``python -m autograder grade`` hands
them to its workers in memory.

A check is a dict with a ``kind`` and the name of the ``answer`` it reads:

========  ====================================================================================
kind      passes when
========  ====================================================================================
equal     the answer is exactly ``want`` (an encoded value: type and value)
close     the answer is a number (plain or numpy) within ``rel`` of ``want``
number    the answer is a number (plain or numpy) equal to ``want``; ``hints`` name known slips
numbers   a list/tuple of numbers equal, item by item, to ``want``
items     a list/tuple whose items, as ``of`` ("int" or "shape"), equal ``want``
model     a Keras model with ``want``'s input shape, layers (kind, activation, size, window) and
          parameter count
compute   ``compute(model)`` gave ``want[i]`` as item ``index`` on every case, without ``forbidden``
bars      a matplotlib figure (encoded by what it plots) with, for each item of ``want``, a bar
          series of those ``heights`` (within ``rel``) whose bars' tick labels are ``labels``
choice    one letter equal to ``want`` (case and spaces ignored); ``hints`` name wrong letters
choices   a set of letters equal to ``want``; ``hints`` name letters that must not be there
mapping   a dict whose values (letters) match ``want`` key by key
accuracy  the Keras model the cell saved as ``file`` has ``conv`` Conv2D layers and reaches
          ``target[data set]`` on the held-out test images (judged in a clean process)
split     the arrays saved as ``file`` are an exact stratified partition of the new task's
          images, labels kept, in ``shares`` (± ``tolerance``; clean process)
frozen    the phase-1 model saved as ``file`` holds the ``pretrained`` weights unchanged, and
          only its head is trainable (clean process)
finetune  the phase-2 model saved as ``file``: learning rate ``lr_factor``× below ``phase1``'s,
          base weights trainable and changed, ``target`` on the saved test set (clean process)
========  ====================================================================================

Each check has a ``message`` (never the expected value) shown to the student when it fails;
the last four, which judge files the cell saved next to the notebook, have ``messages`` keyed
by what failed (:mod:`autograder.evaluate` runs them, in a process that never sees the kernel).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict

from authoring.build import check_fresh, graded_cells
from autograder.evaluate import Session
from nncost.answers import MIME, layer_key, plain

__all__ = ["ClearReferences", "Judge", "judge_cell", "references"]

PASSED = "passed"
MALFORMED = "the answers recorded for this cell are not in the form the grader reads"


class Failed(Exception):
    """A check's message, for the student."""


# --------------------------------------------------------------------------- reading values
def _type(value: Any) -> str:
    return value.get("type", "?") if isinstance(value, dict) else "?"


def _describe(value: dict) -> str:
    kind = _type(value)
    if kind == "other":
        return f"a {value.get('class', 'object')}"
    if kind == "raised":
        return f"an error ({value.get('error', '')})"
    return {
        "none": "None",
        "int": "an int",
        "float": "a float",
        "str": "a string",
        "bool": "a bool",
    }.get(kind, f"a {kind}")


def _any_number(value: dict, name: str) -> float:
    """A number of any numeric type (plain or numpy), for questions that do not ask for a type."""
    kind = _type(value)
    if kind in ("int", "float") or (kind.startswith("numpy.") and kind != "numpy.ndarray"):
        inner = value.get("value")
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return float(inner)
        if isinstance(inner, str):  # nan or inf, written as text
            raise Failed(f"{name} is {inner}, not a finite number")
    raise Failed(f"{name} must be a number, not {_describe(value)}")


def _sequence(value: dict, name: str) -> list[dict]:
    if _type(value) not in ("list", "tuple", "numpy.ndarray"):
        raise Failed(f"{name} must be a list, not {_describe(value)}")
    return list(value.get("items", []))


def _letter(value: dict, name: str) -> str:
    if _type(value) != "str":
        raise Failed(f"{name} must be a letter written as a string, such as 'a'")
    return value["value"].strip().lower()


# --------------------------------------------------------------------------- the checks
def _equal(check: dict, got: dict) -> None:
    want = check["want"]
    if _type(want) == "int" and _type(got) != "int":
        hint = " (convert it with int())" if _type(got).startswith("numpy.") else ""
        raise Failed(f"{check['answer']} must be a plain Python int, not {_describe(got)}{hint}")
    if got != want:
        raise Failed(check["message"])


def _close(check: dict, got: dict) -> None:
    # sizes and times are "numbers": a numpy float (np.sum(...) / 1e9) is one, as the
    # notebook's own isinstance(x, (int, float)) check says
    number = _any_number(got, check["answer"])
    want = float(check["want"])
    if not math.isclose(number, want, rel_tol=check.get("rel", 1e-6), abs_tol=0.0):
        raise Failed(check["message"])


def _number(check: dict, got: dict) -> None:
    number = _any_number(got, check["answer"])
    for wrong, message in check.get("hints", []):
        if number == float(wrong):
            raise Failed(message)
    if number != float(check["want"]):
        raise Failed(check["message"])


def _numbers(check: dict, got: dict) -> None:
    items = _sequence(got, check["answer"])
    numbers = [_any_number(item, check["answer"]) for item in items]
    if numbers != [float(w) for w in check["want"]]:
        raise Failed(check["message"])


def _item(item: dict, of: str):
    if of == "int":
        return item["value"] if _type(item) == "int" else None
    if _type(item) in ("list", "tuple") and all(_type(d) == "int" for d in item["items"]):
        return [d["value"] for d in item["items"]]
    return None


def _items(check: dict, got: dict) -> None:
    items = _sequence(got, check["answer"])
    if [_item(item, check["of"]) for item in items] != check["want"]:
        raise Failed(check["message"])


def _model(check: dict, got: dict) -> None:
    name, want = check["answer"], check["want"]
    if _type(got) != "keras.Model":
        raise Failed(f"{name} must be a Keras model, not {_describe(got)}")
    if got.get("inputs") != want["inputs"]:
        raise Failed(f"{name}: wrong input shape")
    if [layer_key(layer) for layer in got.get("layers", [])] != want["layers"]:
        raise Failed(
            f"{name}: its layers (kinds, sizes, windows or activations) are not the ones "
            "the question asks for"
        )
    if got.get("params") != want["params"]:
        raise Failed(f"{name}: wrong parameter count")


def _compute(check: dict, got: dict, answers: dict) -> None:
    label = check["label"]
    used = sorted(set(plain(answers.get("uses")) or []) & set(check["forbidden"]))
    if used:
        raise Failed(
            f"compute(model) must work the {label} count out from the layers' sizes, "
            f"without {', '.join(used)}"
        )
    outputs = _sequence(got, "the outputs of compute(model)")
    if len(outputs) != len(check["want"]):
        raise Failed("compute(model) was not run on every test model")
    for what, out, want in zip(check["cases"], outputs, check["want"]):
        if _type(out) == "raised":
            raise Failed(f"compute(model) raised {out.get('error', 'an error')} on {what}")
        if _type(out) not in ("tuple", "list") or len(out["items"]) != 2:
            raise Failed("compute(model) must return (params, flops)")
        item = out["items"][check["index"]]
        if _type(item) != "int":
            raise Failed("compute(model) must return plain Python ints")
        if item["value"] != want:
            raise Failed(f"compute(model) gives the wrong {label} count on {what}")


def _choice(check: dict, got: dict) -> None:
    letter = _letter(got, check["answer"])
    for wrong, message in check.get("hints", []):
        if letter == wrong:
            raise Failed(message)
    if letter != check["want"]:
        raise Failed(check["message"])


def _choices(check: dict, got: dict) -> None:
    items = _sequence(got, check["answer"]) if _type(got) != "set" else got["items"]
    letters = {_letter(item, check["answer"]).upper() for item in items}
    for wrong, message in check.get("hints", []):
        if wrong in letters:
            raise Failed(message)
    if letters != set(check["want"]):
        raise Failed(check["message"])


def _mapping(check: dict, got: dict) -> None:
    if _type(got) != "dict":
        raise Failed(f"{check['answer']} must be a dict")
    given = {}
    for key, value in got["items"]:
        if _type(key) == "str" and _type(value) == "str":
            given[key["value"]] = value["value"].strip().upper()
    wrong = sorted(k for k, v in check["want"].items() if given.get(k) != v)
    if wrong:
        raise Failed(f"not yet right: {', '.join(wrong)}")


def _bars(check: dict, got: dict) -> None:
    """Each wanted series is one bar container of the figure: its heights within ``rel`` of
    ``heights``, its bars' tick labels ``labels`` (case and spaces ignored)."""
    if _type(got) != "matplotlib.Figure":
        raise Failed(
            f"{check['answer']} must be a matplotlib figure (fig, ax = plt.subplots()), "
            f"not {_describe(got)}"
        )
    series = [bars for ax in got.get("axes", []) for bars in ax.get("bars", [])]

    def norm(label) -> str:
        return "".join(str(label).split()).lower()

    def close(heights, want) -> bool:
        return len(heights) == len(want) and all(
            isinstance(h, (int, float)) and math.isclose(h, w, rel_tol=check.get("rel", 1e-6))
            for h, w in zip(heights, want)
        )

    for want in check["want"]:
        labels = [norm(label) for label in want["labels"]]
        found = [b for b in series if close(b.get("heights", []), want["heights"])]
        if not found:
            raise Failed(check["message"])
        if not any([norm(label) for label in b.get("labels", [])] == labels for b in found):
            raise Failed(
                f"label the bars {', '.join(want['labels'])} (the x tick labels): "
                "ax.bar([...labels...], heights)"
            )


#: what a check on saved files says when the file is missing, refused, or for other data
_SAVED_MESSAGES = {
    "missing": "the grader found no {file} next to the notebook, where this cell saves it: do "
    "not change the working directory or Keras' and NumPy's saving functions",
    "unreadable": "the grader could not load {file} ({error}): use Keras' own layers (no Lambda "
    "or custom layers) and arrays of numbers",
    "data": "data.name is {claimed!r} but nncost.data.load_mnist() gives {actual!r} on the "
    "grading machine: keep the data cells as given and run the notebook from the start",
}
#: check fields that are about the record, not parameters of the evaluation
_RECORD_FIELDS = ("kind", "answer", "message", "messages", "model", "data", "base")


def _saved(check: dict, got: dict, answers: dict, saved: Session | None) -> None:
    """accuracy, split, frozen, finetune: the files the cell saved, judged in a clean process.

    The record only names what the kernel claims: ``model`` (an answer that must be a Keras
    model), ``data`` (the data set's name) and ``base`` (the base's weights in the model). The
    files' names and every reference are the check's own.
    """
    model = check.get("model")
    if model is not None and _type(answers.get(model)) != "keras.Model":
        raise Failed(f"{model} must be a Keras model")
    if saved is None:
        raise Failed("the grader cannot open the files this cell saved: ask your instructor")
    request = {k: v for k, v in check.items() if k not in _RECORD_FIELDS}
    request["task"] = check["kind"]
    if "data" in check:
        claimed = plain(answers.get(check["data"]))
        request["claimed"] = claimed[:40] if isinstance(claimed, str) else None
    if "base" in check:
        request["claimed_base"] = plain(answers.get(check["base"]))
    reply = saved.ask(request)
    if "error" in reply:
        raise Failed(
            f"the grader could not evaluate this answer ({reply['error']}): ask your instructor"
        )
    if reply.get("fail"):
        messages = {**_SAVED_MESSAGES, **check.get("messages", {})}
        template = messages.get(reply["fail"], check.get("message", "not yet right"))
        try:
            raise Failed(template.format(**reply.get("values", {})))
        except (KeyError, IndexError, ValueError):
            raise Failed(template) from None


_CHECKS: dict[str, Callable[..., None]] = {
    "equal": _equal,
    "close": _close,
    "number": _number,
    "numbers": _numbers,
    "items": _items,
    "model": _model,
    "choice": _choice,
    "choices": _choices,
    "mapping": _mapping,
    "accuracy": _saved,
    "split": _saved,
    "frozen": _saved,
    "finetune": _saved,
    "bars": _bars,
}
#: checks called as ``check(check, got, answers, saved)``: they judge files the cell saved
_ON_FILES = {"accuracy", "split", "frozen", "finetune"}


def judge_record(checks: list[dict], answers: dict, saved: Session | None = None) -> str:
    """:data:`PASSED`, or the message of the first check ``answers`` fails.

    ``saved`` evaluates the files the notebook saved (checks in :data:`_ON_FILES`).
    """
    if not isinstance(answers, dict):
        return MALFORMED
    try:
        for check in checks:
            if check["answer"] not in answers:
                raise Failed(f"{check['answer']} was not recorded")
            got = answers[check["answer"]]
            if check["kind"] == "compute":
                _compute(check, got, answers)
            elif check["kind"] in _ON_FILES:
                _CHECKS[check["kind"]](check, got, answers, saved)
            else:
                _CHECKS[check["kind"]](check, got)
    except Failed as failed:
        return str(failed)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        # a record is whatever the kernel wrote: one the checks cannot read fails its part,
        # it never stops the grader (the rest of the notebook is still graded)
        return MALFORMED
    return PASSED


# --------------------------------------------------------------------------- one cell
def _records(cell: NotebookNode, grade_id: str) -> list[dict]:
    out = []
    for output in cell.get("outputs", []):
        data = (
            output.get("data", {})
            if output.get("output_type") in ("display_data", "execute_result")
            else {}
        )
        rec = data.get(MIME)
        if isinstance(rec, dict) and rec.get("grade_id") == grade_id:
            out.append(rec.get("answers", {}))
    return out


def _error(message: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename="AssertionError",
        evalue=message,
        traceback=[f"AssertionError: {message}"],
    )


def _stdout(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def judge_cell(
    cell: NotebookNode, grade_id: str, checks: list[dict], saved: Session | None = None
) -> str:
    """Judge one executed graded cell in place; return :data:`PASSED` or the failure message.

    The outputs become: what the cell printed (stderr folded into stdout, so a stray log line
    never costs points), the kernel's errors if the verdict is a fail, and the verdict.
    """
    records = _records(cell, grade_id)
    if not records:
        verdict = (
            "no answer was recorded for grading: the cell stopped before its end "
            "(an error above, or a kernel that did not run it)"
        )
    elif any(r != records[0] for r in records[1:]):
        verdict = "answers were recorded more than once, with different values"
    else:
        verdict = judge_record(checks, records[0], saved)
    printed = "".join(
        o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    outputs = [_stdout(printed)] if printed else []
    if verdict == PASSED:
        outputs.append(_stdout(f"✓ {grade_id}: passed\n"))
    else:
        outputs += errors + [_error(verdict)]
    cell.outputs = outputs
    return verdict


# --------------------------------------------------------------------------- references
def references(nb: NotebookNode, name: str = "the source notebook") -> dict[str, list[dict]]:
    """``{grade_id: checks}`` of the autograded cells of a source notebook.

    Raises :class:`authoring.build.StaleReferences` (naming the command that rebuilds them) if
    any were compiled from another text than the cell's hidden tests.
    """
    check_fresh(nb, name)
    refs = {}
    for cell in graded_cells(nb):
        verdict = cell.metadata.get("nncost", {}).get("verdict")
        if verdict is not None:
            refs[cell.metadata["nbgrader"]["grade_id"]] = copy.deepcopy(list(verdict))
    return refs


class Judge(NbGraderPreprocessor):
    """Decide every autograded cell from its exported answers (see the module's docstring).

    ``references`` (``{notebook: {grade_id: checks}}``) is set by ``python -m autograder grade``;
    left empty, they are read from the course's source notebook, as plain ``nbgrader autograde``
    in the course directory does.
    """

    references = Dict(
        help="{notebook name: {grade_id: checks}}; empty: read the course's source notebook"
    ).tag(config=True)

    def _notebook_references(self, resources: dict) -> dict:
        notebook = resources["nbgrader"]["notebook"]
        if self.references:
            return self.references.get(notebook, {})
        import nbformat
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        path = coursedir.format_path(
            coursedir.source_directory, ".", resources["nbgrader"]["assignment"]
        )
        file = f"{path}/{notebook}.ipynb"
        return references(nbformat.read(file, as_version=4), file)

    def preprocess(self, nb, resources):
        refs = self._notebook_references(resources)
        # the kernel ran in the notebook's directory (nbgrader's Execute): its saved files are there
        with Session(resources.get("metadata", {}).get("path") or ".") as saved:
            for cell in graded_cells(nb):
                grade_id = cell.metadata["nbgrader"].get("grade_id")
                if grade_id in refs:
                    judge_cell(cell, grade_id, refs[grade_id], saved)
                else:
                    cell.outputs = list(cell.get("outputs", [])) + [
                        _error(
                            f"the grader has no references for {grade_id!r}: ask your instructor"
                        )
                    ]
        return nb, resources


class ClearReferences(NbGraderPreprocessor):
    """Remove the instructor-only metadata from a release: every cell's ``metadata.nncost`` and
    the notebook's pairing with its text twin (``metadata.jupytext``)."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            cell.metadata.pop("nncost", None)
        nb.metadata.pop("jupytext", None)
        return nb, resources
