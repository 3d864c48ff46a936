"""Feedback that never shows the hidden tests nor the rubrics, and its HTML exporter.

nbgrader's feedback is the autograded notebook as HTML: without :class:`HideHiddenTests` it
would print the hidden test code, a failing assertion's traceback would quote it, and every
free-text task would show its mark scheme (nbgrader puts the instructor's task cells back in
the autograded notebook, for the formgrader): the model answers, to a student whose
classmates may not have handed in yet.

:class:`FeedbackExporter` is nbconvert's ``HTMLExporter`` with one change: its compiled Jinja
templates outlive it. nbgrader makes a new exporter for every notebook it feeds back, and each
compiles the feedback templates again (0.4 s); a grading process that feeds back a whole
class compiles them once. The HTML is the same.
"""

import jinja2
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, NbGraderPreprocessor


class _Compiled(jinja2.BytecodeCache):
    """Jinja's compiled templates, in this process's memory (checked against the template's
    source by Jinja: an edited template is compiled again)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


COMPILED = _Compiled()


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` sharing :data:`COMPILED` between its instances."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED
        return environment


class HideHiddenTests(NbGraderPreprocessor):
    """Drop hidden-test regions from test cells, reducing their errors to the message, and
    mark-scheme regions from every cell."""

    def preprocess(self, nb, resources):
        clear = ClearHiddenTests(enforce_metadata=False)
        rubrics = ClearMarkScheme(enforce_metadata=False, check_attachment_leakage=False)
        for cell in nb.cells:
            if rubrics.begin_mark_scheme_delimeter in cell.source:
                rubrics._remove_mark_scheme_region(cell)
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            clear._remove_hidden_test_region(cell)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(
                        ": "
                    )
                    output["traceback"] = [message]
        return nb, resources


def warm(config) -> None:
    """Compile the feedback templates and load what rendering a notebook loads (Markdown,
    highlighting, the HTML clean-up), once in this process, with the course's ``config``: a
    grading worker does it while the kernels' zygote still imports TensorFlow, instead of in
    its first student's time (0.8 s)."""
    from nbformat import v4
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    def graded(grade_id, **flags):  # a cell's metadata as GetGrades leaves it
        return {"nbgrader": {"grade_id": grade_id, "score": 0.0, "points": 1.0, **flags}}

    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    nb = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("Some *Markdown*, `code` and $x^2$."),
            v4.new_code_cell("x = 1", metadata=graded("answer", solution=True)),
            v4.new_code_cell(
                "print(x)\nassert x == 2",
                metadata=graded("test", grade=True),
                outputs=[
                    v4.new_output("stream", name="stdout", text="1\n"),
                    v4.new_output("error", ename="E", evalue="e", traceback=["E: e"]),
                ],
            ),
            v4.new_markdown_cell(
                "An answer.", metadata=graded("free", grade=True, solution=True, comment="OK")
            ),
        ],
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    )
    resources = {"nbgrader": {"notebook": "warm", "score": 0, "max_score": 2, "late_penalty": 0}}
    exporter.from_notebook_node(nb, resources)
