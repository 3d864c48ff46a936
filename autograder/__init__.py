"""The nncost course's grading tools, built on nbgrader.

* ``python -m autograder release`` — compile the hidden tests' references into ``source/``
  (:mod:`authoring.build`), then regenerate ``assignments/`` from ``source/`` (nbgrader);
* ``python -m autograder grade``   — grade a class (see ``autograder/README.md``).

Authoring the notebooks (the hidden tests' helper, walkthroughs) is :mod:`authoring`'s job.

Configuration: :file:`autograder/nbgrader_config.py` (course root = repository root).
"""

import sys

# jsonschema (imported by nbformat) compiles rfc3987_syntax's IRI grammar when it is imported:
# ~1.5 s in every process that reads a notebook (the grader, each Dask worker). The notebook
# schema uses no IRI format, so the grading processes go without it (jsonschema skips the
# format when the module cannot be imported). Measured with `python -X importtime`.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
