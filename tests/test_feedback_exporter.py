"""``autograder.feedback.FeedbackExporter`` writes nbconvert's HTML, compiling templates once.

nbgrader makes one exporter per notebook it feeds back; the exporter's compiled Jinja
templates are kept for the next one, and the HTML is the same as nbconvert's own exporter's.
"""

from __future__ import annotations

import copy

import jinja2
import nbformat
from nbconvert.exporters import HTMLExporter

from autograder.feedback import COMPILED, FeedbackExporter


def _notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(6 * 7)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Feedback\n\n*the answer*"), code]
    return nb


def test_the_html_is_nbconverts_and_the_templates_are_compiled_once(monkeypatch):
    COMPILED.clear()
    compiled = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    nb = _notebook()
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    compiled.clear()
    first, _ = FeedbackExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    assert compiled, "the first exporter compiles the templates"
    compiled.clear()
    second, _ = FeedbackExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    assert compiled == [], "a second exporter in the same process compiles nothing"
    assert first == second == theirs
