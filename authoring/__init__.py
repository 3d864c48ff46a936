"""Authoring the course: the instructor notebooks in ``source/`` are the masters.

An instructor edits ``source/<assignment>/<assignment>.ipynb`` in JupyterLab (nbgrader's Create
Assignment toolbar sets each cell's role and points), or its text twin
``source/<assignment>/<assignment>.md``, and runs one command::

    python -m autograder release

which (:func:`authoring.build.course`) syncs each notebook with its twin, compiles the hidden
tests' references from nncost into the notebook (:mod:`authoring.references`), and has nbgrader
write the student version to ``assignments/``.

- :mod:`authoring.hidden` — the one helper every hidden test calls (kernel side: hand the
  answers over; release side: read what the call asks for);
- :mod:`authoring.references` — what each kind of check expects, computed with nncost;
- :mod:`authoring.points` — the points a student reads, filled in from nbgrader's metadata;
- :mod:`authoring.build` — sync, compile, check;
- :mod:`authoring.walkthroughs` — the worked solutions for self-learners, from the same notebooks.

Imports flow one way: the grader (``autograder``) uses this package, which uses ``nncost``.
"""
