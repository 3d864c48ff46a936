"""Points are written once: in nbgrader's cell metadata (the Create Assignment toolbar).

Text that shows points names the cells instead, and the release fills the numbers in
(:class:`FillPoints`, first of ``GenerateAssignment``'s preprocessors; the walkthroughs too)::

    {points:q1_model}                        1 point
    {points:compute_params+compute_flops}    3 points
    {points}                                 the cell's own points (a graded cell, a task)
    {max:compute_flops}                      2           (the number alone, for tables)
    {max:all}  {max:auto}  {max:manual}      every part, the autograded ones, those graded by hand

Placeholders are filled in Markdown cells and in graded cells (never in a student's cell).
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["FillPoints", "PointsError", "fill", "points"]

PLACEHOLDER = re.compile(r"\{(points|max)(?::([\w+]+))?\}")


class PointsError(ValueError):
    """A placeholder names no cell with points; the message names the cell and the fix."""


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def points(nb) -> dict[str, float]:
    """``{grade_id: points}`` of every cell that has points (autograded and by hand)."""
    return {
        _meta(c)["grade_id"]: float(_meta(c)["points"])
        for c in nb.cells
        if (_meta(c).get("grade") or _meta(c).get("task")) and "points" in _meta(c)
    }


def _number(value: float) -> str:
    return f"{value:g}"


def _groups(nb, table: dict[str, float]) -> dict[str, list[str]]:
    """The grade ids ``{max:all}``, ``{max:auto}`` and ``{max:manual}`` add up."""
    manual = {_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("task") or _is_manual(c)}
    return {
        "all": list(table),
        "auto": [g for g in table if g not in manual],
        "manual": [g for g in table if g in manual],
    }


def _sum(table: dict[str, float], groups: dict[str, list[str]], ids: str, cell) -> float:
    total = 0.0
    for grade_id in ids.split("+"):
        if grade_id in groups:
            total += sum(table[g] for g in groups[grade_id])
        elif grade_id in table:
            total += table[grade_id]
        else:
            raise PointsError(
                f"cell {cell.get('id', '?')}: {{points:{ids}}} names {grade_id!r}, which has no "
                "points; give that cell points in the Create Assignment toolbar or fix the name"
            )
    return total


def _is_manual(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade") and meta.get("solution"))  # an answer graded by hand


def fill(nb):
    """Fill every placeholder of ``nb`` in place (see the module's docstring); return ``nb``."""
    table = points(nb)
    groups = _groups(nb, table)
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.get("cell_type") != "markdown" and not (
            meta.get("grade") and not meta.get("solution")
        ):
            continue

        def one(match, cell=cell, meta=meta):
            kind, ids = match.group(1), match.group(2)
            if ids is None:
                if meta.get("grade_id") not in table:
                    raise PointsError(
                        f"cell {cell.get('id', '?')}: {match.group(0)} in a cell without points; "
                        "name the graded cell, e.g. {points:q1_model}"
                    )
                value = table[meta["grade_id"]]
            else:
                value = _sum(table, groups, ids, cell)
            if kind == "max":
                return _number(value)
            return f"{_number(value)} point{'' if value == 1 else 's'}"

        cell["source"] = PLACEHOLDER.sub(one, cell["source"])
    return nb


class FillPoints(NbGraderPreprocessor):
    """The points a student reads, from the cells' nbgrader metadata (:func:`fill`)."""

    def preprocess(self, nb, resources):
        return fill(nb), resources
