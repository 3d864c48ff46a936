"""The nncost course's grading tools, built on nbgrader.

* ``python -m autograder sources``      — write ``source/`` from :mod:`autograder.notebooks`;
* ``python -m autograder release``      — regenerate ``assignments/`` from ``source/`` (nbgrader);
* ``python -m autograder walkthroughs`` — executed notebooks with solutions and explanations
  in the git-ignored ``walkthroughs/`` folder.

Configuration: :file:`autograder/nbgrader_config.py` (course root = repository root).
"""
