"""nbgrader's Execute, surviving a dead kernel, and not running what no grade depends on.

When a student's code kills its kernel (``os._exit``, a segfault, the memory limit) or
leaves it unresponsive even to an interrupt, nbgrader's Execute raises and the whole
notebook goes ungraded. This subclass records
the death in that cell, marks every later code cell as not run, and lets nbgrader save
the grades of the cells that did run: the student loses exactly what could not run.

The instructor's locked, ungraded cells after a notebook's last graded part (the cost
notebooks end with charts, an explorer and a latency measurement, "after the tasks") are not
run while grading: no grade can depend on a cell that runs after every graded cell, and they
are half of a notebook's running time. Their code shows in the feedback with a line saying
so. ``SurvivingExecute.run_ungraded_tail = True`` runs them, as plain nbgrader does.
"""

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool

NOT_RUN = (
    "not run by the grader: an ungraded cell after the last graded part (no grade depends on it)\n"
)


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def ungraded_tail(nb: NotebookNode) -> int:
    """Index of the first cell of the notebook's tail of locked, ungraded cells (the cells
    after its last graded part, or after the last cell a student may edit); ``len(cells)``
    when there is none."""
    start = len(nb.cells)
    for cell in reversed(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("locked") or meta.get("grade") or meta.get("solution") or meta.get("task"):
            break
        start -= 1
    return start


class SurvivingExecute(Execute):
    run_ungraded_tail = Bool(
        False,
        help="Also run the locked, ungraded cells after the last graded part "
        "(no grade depends on them)",
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._kernel_dead = False
        self._tail = len(nb.cells) if self.run_ungraded_tail else ungraded_tail(nb)
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if index >= self._tail:
            if cell.cell_type == "code":
                cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=NOT_RUN)]
                cell.execution_count = None
            return cell, self.resources
        if self._kernel_dead:
            if cell.cell_type == "code":
                cell.outputs = [_error("KernelDied", "not run: the kernel died in an earlier cell")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            cell.outputs.append(_error("KernelDied", "the kernel died while running this cell"))
            return cell, self.resources
        except CellTimeoutError:
            # the kernel did not answer even after the interrupt: treat it as gone
            self._kernel_dead = True
            cell.outputs.append(
                _error("CellTimeoutError", "the cell did not stop when interrupted")
            )
            return cell, self.resources
