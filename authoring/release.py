"""nbgrader preprocessors of the release (``GenerateAssignment``, ``autograder/nbgrader_config.py``)."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from authoring.build import graded_cells
from authoring.hidden import kernel_form


class KernelForm(NbGraderPreprocessor):
    """Each graded cell's hidden part as the grading kernel will run it, with no reference,
    message or target in its text (:func:`authoring.hidden.kernel_form`).

    Runs before nbgrader's ``SaveCells``, so the gradebook (from which autograde puts the hidden
    tests back) holds this form; the instructor's full text stays in ``source/``, whose
    compiled checks the grader judges with.
    """

    def preprocess(self, nb, resources):
        for cell in graded_cells(nb):
            cell.source = kernel_form(cell.metadata["nbgrader"]["grade_id"], cell.source)
        return nb, resources
