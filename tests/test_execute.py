"""``autograder.execute.SurvivingExecute`` skips the instructor's ungraded tail, nothing else.

A cell that runs after every graded cell cannot change a grade, so the locked, ungraded
cells at the end of a notebook are not run while grading. A student's own cell (not locked)
or a graded part at the end keeps everything before it running.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.execute import NOT_RUN, SurvivingExecute, ungraded_tail


def _cell(source="pass", *, locked=False, grade=False, solution=False, task=False, md=False):
    cell = nbformat.v4.new_markdown_cell(source) if md else nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "locked": locked,
        "grade": grade,
        "solution": solution,
        "task": task,
        "grade_id": f"c{id(cell)}",
        "schema_version": 3,
    }
    return cell


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


@pytest.mark.parametrize(
    "cells, start",
    [
        # setup, answer, test, then three instructor cells: the tail starts at index 3
        (
            [
                _cell(locked=True),
                _cell(solution=True),
                _cell(grade=True, locked=True),
                _cell(md=True, locked=True),
                _cell(locked=True),
                _cell(locked=True),
            ],
            3,
        ),
        # the last cell is graded: no tail
        ([_cell(locked=True), _cell(grade=True, locked=True)], 2),
        # a free-text part (graded markdown) last: no tail
        ([_cell(grade=True, locked=True), _cell(md=True, grade=True, solution=True)], 2),
        # a student's own cell at the very end (no nbgrader metadata): no tail
        (
            [
                _cell(grade=True, locked=True),
                _cell(locked=True),
                nbformat.v4.new_code_cell("x = 1"),
            ],
            3,
        ),
        # a task (manually graded) cell before two locked cells: the tail starts after it
        ([_cell(task=True, md=True), _cell(locked=True), _cell(locked=True)], 1),
        # nothing graded at all: every cell is the tail
        ([_cell(locked=True), _cell(locked=True)], 0),
    ],
)
def test_the_tail_starts_after_the_last_cell_a_grade_or_a_student_touches(cells, start):
    assert ungraded_tail(_nb(*cells)) == start


def _run(nb, tmp_path, **config):
    ex = SurvivingExecute(timeout=60, **config)
    ex.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb


def test_the_tail_is_not_run_and_says_so(tmp_path):
    nb = _nb(
        _cell("x = 6 * 7", locked=True),
        _cell("print(x)", grade=True, locked=True),
        _cell("open('tail_ran', 'w').write('yes')\nprint('tail')", locked=True),
    )
    _run(nb, tmp_path)
    assert nb.cells[1].outputs[0]["text"] == "42\n"
    assert nb.cells[2].outputs == [nbformat.v4.new_output("stream", name="stdout", text=NOT_RUN)]
    assert nb.cells[2].execution_count is None
    assert not (tmp_path / "tail_ran").exists()


def test_run_ungraded_tail_runs_it_as_plain_nbgrader_does(tmp_path):
    nb = _nb(
        _cell("print(1)", grade=True, locked=True),
        _cell("open('tail_ran', 'w').write('yes')\nprint('tail')", locked=True),
    )
    _run(nb, tmp_path, run_ungraded_tail=True)
    assert nb.cells[1].outputs[0]["text"] == "tail\n"
    assert (tmp_path / "tail_ran").read_text() == "yes"
