"""Sanitize steps: cells the gradebook does not know are the student's own, and nbgrader's
metadata check, done once per notebook at the cost of one.

``ForgetUnknownCells`` runs before nbgrader's ``OverwriteCells``: cells the gradebook does not
know are the student's own cells, whatever their metadata claims.

A student (or a stray copy-paste) can give a cell nbgrader metadata of its own, for instance
a "grade" cell worth 50 points. nbgrader ignores its points, but with
``OverwriteCells.add_missing_cells`` it then fails on the cell whose ``grade_id`` it dropped
(a ``KeyError`` in ``add_missing_grade_cells``, nbgrader 0.9.6), and the whole notebook would
go ungraded. Here such a cell simply loses its nbgrader metadata first: it runs as the
student's code, it is audited as such, and it is worth nothing.

``CheckCellMetadata`` is nbgrader's, with its JSON-schema validator built once per process:
nbgrader's check calls ``jsonschema.validate`` for every cell, which checks the schema itself
against JSON Schema's metaschema before it builds a validator (0.3-0.6 s a notebook, twice per
autograde). The same versions are checked first, with the same schema, and the same error is
raised.
"""

import traceback
from typing import ClassVar

import jsonschema
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata
from nbgrader.preprocessors import NbGraderPreprocessor


class ForgetUnknownCells(NbGraderPreprocessor):
    """Drop the nbgrader metadata of every cell whose ``grade_id`` the gradebook lacks."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                known = {
                    c.name
                    for c in gb.find_notebook(info["notebook"], info["assignment"]).source_cells
                }
            except MissingEntry:
                return nb, resources
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is not None and meta.get("grade_id") not in known:
                del cell.metadata["nbgrader"]
        return nb, resources


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's check of one cell's metadata against its schema, with the validator built
    once (placed after nbgrader's own checks in :class:`MetadataValidator`'s MRO)."""

    _validators: ClassVar[dict] = {}  #: schema version → its jsonschema validator

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nbgrader's own: none, or a version error
        validator = self._validators.get(self.schema_version)
        if validator is None:  # what jsonschema.validate does first, once
            cls = jsonschema.validators.validator_for(self.schema)
            cls.check_schema(self.schema)
            validator = self._validators[self.schema_version] = cls(self.schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(meta))
        if error is not None:
            raise error
        return None


class MetadataValidator(MetadataValidatorV3, _CompiledSchema):
    """nbgrader's metadata validator (schema 3), its schema's validator built once."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's ``CheckCellMetadata``, with :class:`MetadataValidator`."""

    def preprocess(self, nb, resources):
        try:
            MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources
