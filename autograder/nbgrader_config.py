"""nbgrader configuration for the nncost course (loaded by ../nbgrader_config.py).

The course directory is the repository root: instructor notebooks in ``source/``,
student notebooks released into ``assignments/``.
"""

import os

c = get_config()  # noqa: F821 — provided by traitlets when nbgrader loads this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "nncost"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")

# TensorFlow's import alone takes ~5 s here; a cell that builds and profiles a model more.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Backstop: a graded cell that writes to stderr scores 0, and TensorFlow/absl log lines
# can slip through even with the setup cell silencing them.
c.IgnorePattern.pattern = r"(WARNING: All log messages before absl|I0000 |W0000 |E0000 |.*oneDNN custom operations).*"
