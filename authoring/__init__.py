"""Authoring the course: the instructor notebooks in ``source/`` are the masters.

An instructor edits ``source/<assignment>/<assignment>.ipynb`` in JupyterLab (nbgrader's Create
Assignment toolbar sets each cell's role and points), or its text twin
``source/<assignment>/<assignment>.source.md``, and runs one command::

    python -m autograder release

which syncs each notebook with its twin (:func:`authoring.build.sync`), compiles the hidden
tests' references from nncost into the notebook (:func:`authoring.build.compile_notebook`,
:mod:`authoring.references`), and has nbgrader write the student version to ``assignments/``
(filling in the points, :mod:`authoring.points`; dropping the walkthrough cells and the
references, :mod:`authoring.release`).

- :mod:`authoring.hidden` — the one helper every hidden test calls (kernel side: hand the
  answers over; release side: read what the call asks for);
- :mod:`authoring.references` — what each kind of check expects, computed with nncost;
- :mod:`authoring.points` — the points a student reads, filled in from nbgrader's metadata;
- :mod:`authoring.build` — sync the twins, compile the references, refuse stale ones;
- :mod:`authoring.release` — the gradebook's kernel form of the hidden tests;
- :mod:`authoring.walkthroughs` — the worked solutions for self-learners, from the same notebooks.

Imports flow one way: the grader (``autograder``) uses this package, which uses ``nncost``.
"""
