# nbgrader and the formgrader look for this file in the directory they start in.
# The course's configuration lives in autograder/nbgrader_config.py.
import os

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "autograder", "nbgrader_config.py"))  # noqa: F821
