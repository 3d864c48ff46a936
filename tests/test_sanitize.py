"""``autograder.sanitize.CheckCellMetadata``: nbgrader's metadata check, the same verdicts,
its schema's validator built once instead of once per cell."""

from __future__ import annotations

import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator as Nbgraders

from autograder.sanitize import MetadataValidator


def _cell(**meta):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "a",
        "schema_version": 3,
        "task": False,
        **meta,
    }
    return cell


def _error(validator, cell):
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    try:
        validator().validate_nb(nb)
    except Exception as err:  # noqa: BLE001 — the verdict compared is the exception itself
        return type(err), str(err)
    return None


@pytest.mark.parametrize(
    "meta",
    [
        {},  # valid
        {"points": "two"},  # a string for a number
        {"grade_id": 7},  # a number for a string
        {"schema_version": 2},  # too old
        {"schema_version": 4},  # too new
        {"locked": "yes"},
        {"grade": True, "points": -1},  # negative points: nbgrader's own rule, after the schema
    ],
)
def test_the_same_verdict_as_nbgraders_check(meta):
    cell = _cell(**meta)
    assert _error(MetadataValidator, cell) == _error(Nbgraders, _cell(**meta))


def test_the_schema_is_checked_once_not_once_per_cell(monkeypatch):
    checked = []
    real = jsonschema.validators.Draft4Validator.check_schema.__func__

    def counting(cls, schema, *args, **kwargs):
        checked.append(schema.get("title", schema.get("$schema")))
        return real(cls, schema, *args, **kwargs)

    MetadataValidator._validators.clear()
    monkeypatch.setattr(
        jsonschema.validators.Draft4Validator, "check_schema", classmethod(counting)
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell(grade_id=f"c{i}") for i in range(20)]
    MetadataValidator().validate_nb(nb)
    MetadataValidator().validate_nb(nb)
    assert len(checked) == 1
