"""The course on a JupyterHub: an instructor and students as local system users, nbgrader's
exchange between them, this project's grader for what the instructor collects.

* :mod:`autograder.hub.provision` — the users, their nbgrader settings and extensions, the
  instructor's course directory, the exchange and the proxy (idempotent, run as root);
* ``jupyterhub_config.py`` — the hub itself (``make hub`` starts it).

``python -m autograder.hub setup|start`` (see ``__main__.py``); README.md, "Teach with it". The
instructor grades what ``nbgrader collect`` put in the course's ``submitted/`` with
``python -m autograder grade submitted --course . --out graded``.
"""
