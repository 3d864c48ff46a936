"""nbgrader configuration for the nncost course (loaded by ../nbgrader_config.py).

The course directory is the repository root: instructor notebooks in ``source/``,
student notebooks released into ``assignments/``. ``python -m autograder grade`` loads this
file too and changes only the paths, so a class graded there is graded exactly as
``nbgrader autograde`` grades it here.
"""

import os
import sys

c = get_config()  # type: ignore[name-defined]  # noqa: F821 — traitlets provides it when loading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # the preprocessors below live in this repository's autograder/
    sys.path.insert(0, ROOT)

from authoring.build import TWIN_SUFFIX  # importable once ROOT is on the path

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "nncost"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
# Files a graded cell saves for the judge (cnn_concepts' models and arrays, graded_*.keras/.npz)
# are the student's work, never part of a release.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "graded_*",
    "*" + TWIN_SUFFIX,  # a source notebook's text twin (authoring/build.py): solutions, tests
]

# TensorFlow's import alone takes ~5 s here; a cell that builds and profiles a model more.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Tracebacks as Python prints them (IPython's default, with the code around every frame in
# colour, takes 60 ms an error, most of a blank notebook's running time); nbclient adds its
# in-memory history to these.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Plain"]
# nbconvert validates the notebook against nbformat's schema after every preprocessor (14
# in autograde's two passes, 7% of a grading worker's time); once a pass is enough: a notebook a
# preprocessor broke still fails to autograde, only the message names the last preprocessor.
c.Exporter.optimistic_validation = True
# A test cell the student deleted comes back from the gradebook, with its points.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Backstop: a graded cell that writes to stderr scores 0, and TensorFlow/absl log lines
# can slip through even with the setup cell silencing them. (Judged cells fold stderr into
# stdout; this still keeps the autograded notebooks clean.)
c.IgnorePattern.pattern = (
    r"(WARNING: All log messages before absl|I0000 |W0000 |E0000 |.*oneDNN custom operations).*"
)


# nbgrader's own preprocessor lists, read from nbgrader (not copied), with this course's steps.
# Everywhere, nbgrader's metadata check is replaced by the same check with its schema's
# validator built once (autograder/sanitize.py).
_OURS = {
    "nbgrader.preprocessors.checkcellmetadata.CheckCellMetadata": (
        "autograder.sanitize.CheckCellMetadata"
    )
}


def _names(trait):
    names = [f"{p.__module__}.{p.__name__}" if isinstance(p, type) else p for p in trait.default()]
    return [_OURS.get(name, name) for name in names]


from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback

_autograde = _names(Autograde.class_traits()["autograde_preprocessors"])
_execute = next(i for i, p in enumerate(_autograde) if p.endswith(".Execute"))
# a kernel that dies keeps the points of the cells that ran; then every graded cell is judged
# from its exported answers, outside the kernel (autograder/verdict.py)
_autograde[_execute : _execute + 1] = [
    "autograder.execute.SurvivingExecute",
    "autograder.verdict.Judge",
]
c.Autograde.autograde_preprocessors = _autograde
# The locked, ungraded cells after a notebook's last graded part (charts, the explorer, the
# latency measurement) are not run while grading: no grade depends on them, and they are half
# of a cost notebook's running time. True runs them too, as plain nbgrader does.
c.SurvivingExecute.run_ungraded_tail = False
# a graded notebook's kernel is killed once its last cell has answered (not asked to shut
# down and waited for: 0.1 s a notebook); every output is in by then
c.SurvivingExecute.shutdown_kernel = "immediate"
# cells the gradebook does not know are the student's own, whatever their metadata claims
_sanitize = _names(Autograde.class_traits()["sanitize_preprocessors"])
_sanitize.insert(
    _sanitize.index("nbgrader.preprocessors.overwritecells.OverwriteCells"),
    "autograder.sanitize.ForgetUnknownCells",
)
c.Autograde.sanitize_preprocessors = _sanitize
# the walkthroughs' explanations (cells tagged "walkthrough", authoring/walkthroughs.py) and the
# references of the verdicts (metadata.nncost) never reach a student; the gradebook keeps the
# hidden tests as the grading kernel runs them, without their references (authoring/release.py)
c.TagRemovePreprocessor.remove_cell_tags = {"walkthrough"}
c.TagRemovePreprocessor.enabled = True  # nbconvert's preprocessors are off unless enabled
c.GenerateAssignment.preprocessors = [
    "nbconvert.preprocessors.TagRemovePreprocessor",
    "authoring.points.FillPoints",  # the points a student reads, from the cells' metadata
    "authoring.release.KernelForm",
    *_names(GenerateAssignment.class_traits()["preprocessors"]),
    "autograder.verdict.ClearReferences",
]
# feedback shows the hidden tests' messages, never their code
_feedback = _names(GenerateFeedback.class_traits()["preprocessors"])
_feedback.insert(
    _feedback.index("nbgrader.preprocessors.getgrades.GetGrades") + 1,
    "autograder.feedback.HideHiddenTests",
)
c.GenerateFeedback.preprocessors = _feedback
# nbconvert's HTML exporter, compiling the feedback templates once per grading process
c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"
