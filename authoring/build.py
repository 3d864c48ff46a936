"""Build the course from its source notebooks: sync their text twins, compile the references.

**Twins.** Each ``source/<a>/<a>.ipynb`` has a text twin ``source/<a>/<a>.source.md``
(jupytext's Markdown format, paired in the notebook's metadata), so that a review or a diff
reads as text. :func:`sync` keeps the pair equal with jupytext: the one edited last wins. The
twin leaves out the compiled references (``cell_metadata_filter: -nncost``); the release ignores
it (``CourseDirectory.ignore``) and grading never copies it.

Each graded cell's hidden part is one :func:`authoring.hidden.expect` call. Compiling a notebook
turns every such call into the checks :mod:`autograder.verdict` judges with (references from
nncost, :mod:`authoring.references`) and stores them in the cell's metadata::

    metadata.nncost.verdict         the checks
    metadata.nncost.compiled_from   the fingerprint of the hidden part they came from

The kernel never sees cell metadata and the release drops it. Grading refuses a notebook whose
references were compiled from another text (:func:`stale`), naming the command that fixes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from authoring.hidden import compile_cell, fingerprint

__all__ = [
    "REBUILD",
    "TWIN_SUFFIX",
    "StaleReferences",
    "compile_notebook",
    "graded_cells",
    "stale",
    "sync",
    "twin",
    "twin_text",
]

#: the one command an instructor runs after editing a source notebook
REBUILD = "python -m autograder release"
#: a source notebook's text twin: ``<name>.source.md`` beside ``<name>.ipynb``
TWIN_SUFFIX = ".source.md"
#: jupytext's pairing, written into each source notebook's metadata
PAIRING = {
    "formats": f"ipynb,{TWIN_SUFFIX}:markdown",
    "cell_metadata_filter": "-nncost",
    "notebook_metadata_filter": "-jupytext.text_representation.jupytext_version",
}


class StaleReferences(RuntimeError):
    """A source notebook's references do not match its hidden tests."""


def graded_cells(nb):
    """The autograded test cells of a notebook (graded, not a solution)."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
            yield cell


def compile_notebook(path: Path | str) -> bool:
    """Compile the references of every graded cell of the notebook at ``path``; write the
    notebook only if something changed. Returns whether it did."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = json.dumps(nb, sort_keys=True)
    for cell in graded_cells(nb):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        cell.metadata["nncost"] = {
            **cell.metadata.get("nncost", {}),
            "verdict": compile_cell(grade_id, cell.source),  # nncost as installed now
            "compiled_from": fingerprint(cell.source),
        }
    if json.dumps(nb, sort_keys=True) == before:
        return False
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return True


def stale(nb) -> list[str]:
    """The grade ids of the graded cells whose stored references were not compiled from their
    current hidden part (or never compiled)."""
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in graded_cells(nb)
        if cell.metadata.get("nncost", {}).get("compiled_from") != fingerprint(cell.source)
    ]


def check_fresh(nb, name: str) -> None:
    """Raise :class:`StaleReferences` if any graded cell of ``nb`` has stale references."""
    cells = stale(nb)
    if cells:
        raise StaleReferences(
            f"{name}: the hidden tests of {', '.join(cells)} changed since their references were "
            f"compiled; run `{REBUILD}` in the course directory, then grade again"
        )


# --------------------------------------------------------------------------- twins
def twin(path: Path | str) -> Path:
    """The text twin of the notebook at ``path``."""
    path = Path(path)
    return path.with_name(path.stem + TWIN_SUFFIX)


def twin_text(nb) -> str:
    """What the twin of ``nb`` holds (jupytext's Markdown, pairing and filters applied)."""
    import jupytext

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata["jupytext"] = {**nb.metadata.get("jupytext", {}), **PAIRING}
    return jupytext.writes(nb, fmt="md")


def sync(path: Path | str) -> str:
    """Make the notebook at ``path`` and its twin hold the same cells; the one modified last
    wins (jupytext's ``--sync``). Returns what was done: ``"twin written"``, ``"notebook
    updated"`` or ``"in sync"``."""
    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    path = Path(path)
    text = twin(path)
    nb = nbformat.read(path, as_version=4)
    if text.exists() and text.stat().st_mtime > path.stat().st_mtime:
        edited = jupytext.read(text, fmt="md")
        if twin_text(edited) != twin_text(nb):  # the twin was edited: its cells win
            nb.metadata["jupytext"] = dict(PAIRING)  # which metadata the twin leaves out
            # the twin's cells, with the notebook's outputs, ids and left-out metadata
            edited = combine_inputs_with_outputs(edited, nb, fmt="md")
            edited.metadata = {**nb.metadata, "jupytext": dict(PAIRING)}
            nbformat.validate(edited)
            path.write_text(nbformat.writes(edited) + "\n", encoding="utf-8")
            text.write_text(twin_text(edited), encoding="utf-8")
            return "notebook updated"
    want = twin_text(nb)
    if nb.metadata.get("jupytext") != PAIRING:
        nb.metadata["jupytext"] = dict(PAIRING)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    if not text.exists() or text.read_text(encoding="utf-8") != want:
        text.write_text(want, encoding="utf-8")
        return "twin written"
    return "in sync"
