"""nbgrader's Execute, surviving a dead kernel.

When a student's code kills its kernel (``os._exit``, a segfault, the memory limit) or
leaves it unresponsive even to an interrupt, nbgrader's Execute raises and the whole
notebook goes ungraded. This subclass records
the death in that cell, marks every later code cell as not run, and lets nbgrader save
the grades of the cells that did run: the student loses exactly what could not run.
"""

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class SurvivingExecute(Execute):
    def preprocess(self, nb, resources=None, km=None):
        self._kernel_dead = False
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
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
            cell.outputs.append(_error("CellTimeoutError", "the cell did not stop when interrupted"))
            return cell, self.resources
