"""A sanitize step before nbgrader's ``OverwriteCells``: cells the gradebook does not know
are the student's own cells, whatever their metadata claims.

A student (or a stray copy-paste) can give a cell nbgrader metadata of its own, for instance
a "grade" cell worth 50 points. nbgrader ignores its points, but with
``OverwriteCells.add_missing_cells`` it then fails on the cell whose ``grade_id`` it dropped
(a ``KeyError`` in ``add_missing_grade_cells``, nbgrader 0.9.6), and the whole notebook would
go ungraded. Here such a cell simply loses its nbgrader metadata first: it runs as the
student's code, it is audited as such, and it is worth nothing.
"""

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor


class ForgetUnknownCells(NbGraderPreprocessor):
    """Drop the nbgrader metadata of every cell whose ``grade_id`` the gradebook lacks."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                known = {c.name for c in gb.find_notebook(info["notebook"], info["assignment"])
                         .source_cells}
            except MissingEntry:
                return nb, resources
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is not None and meta.get("grade_id") not in known:
                del cell.metadata["nbgrader"]
        return nb, resources
