"""Static tamper audit of a submitted notebook: flags for the instructor, never a score.

Verdicts are decided outside the student's kernel (:mod:`autograder.verdict`), so tampering
with the kernel cannot turn a wrong answer into a pass. This audit is a second pair of eyes:
it reads the student's own cells (never runs them) and flags code that reaches into the kernel
or the grader, so the instructor can look. A flag changes no score. It flags:

* writing to the kernel or the interpreter: ``builtins``/``__builtins__``,
  ``get_ipython()``, ``sys.modules``, ``sys.settrace``, ``gc``, ``ctypes``;
* assigning to attributes of imported modules (``nncost.profile = …``,
  ``math.isclose = …``, ``np.testing.assert_equal = …``) or ``setattr`` on them;
* defining comparison dunders that can lie (``__eq__``, ``__ne__``, ``__bool__``…), or
  reaching a function's ``__globals__``/``__code__`` or a frame;
* leaving the kernel: ``os._exit``, ``sys.exit``, ``os.kill``, ``signal``; running other
  programs (``subprocess``, ``os.system``, shell escapes);
* running code built from strings: ``exec``, ``eval``, ``compile``, ``__import__``,
  ``importlib``;
* naming the grader's files (``gradebook``, ``.ipynb``, ``autograded/``…) in a string.

Nothing in the course needs any of these, and none of the idioms students write does
(``layer.__class__.__name__``, ``type(layer)``, ``getattr``, ``print(file=sys.stderr)``,
``%timeit``, ``os.environ[...] = ...``, ``plt.rcParams[...] = ...``): the honest-submission
corpus in ``tests/honest/`` holds the audit to that.

Which cells are the student's is decided by content, never by the metadata a student can
edit: a cell is skipped only when its code is exactly one of the instructor's locked cells of
the released notebook (:func:`instructor_code`).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Collection

__all__ = ["audit_notebook", "audit_source", "instructor_code"]

_FORBIDDEN_NAMES = {
    "__builtins__": "touches __builtins__",
    "builtins": "imports or touches builtins",
    "get_ipython": "reaches into the IPython kernel (get_ipython)",
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "compile": "compiles code at run time (compile)",
    "__import__": "imports by name at run time (__import__)",
    "globals": "rewrites globals()",
    "ctypes": "uses ctypes",
    "importlib": "imports by name at run time (importlib)",
}
_FORBIDDEN_ATTRS = {
    ("os", "_exit"): "exits the kernel (os._exit)",
    ("os", "kill"): "kills a process (os.kill)",
    ("os", "abort"): "aborts the kernel (os.abort)",
    ("sys", "exit"): "exits the kernel (sys.exit)",
    ("sys", "modules"): "edits sys.modules",
    ("sys", "settrace"): "installs a tracer (sys.settrace)",
    ("sys", "setprofile"): "installs a profiler hook (sys.setprofile)",
    ("sys", "excepthook"): "replaces sys.excepthook",
    ("gc", "get_referrers"): "walks the interpreter's objects (gc)",
    ("gc", "get_objects"): "walks the interpreter's objects (gc)",
    ("sys", "_getframe"): "walks the interpreter's frames (sys._getframe)",
    ("os", "system"): "runs another program (os.system)",
    ("os", "popen"): "runs another program (os.popen)",
}
_FORBIDDEN_MODULES = {"builtins", "ctypes", "importlib", "signal", "gc", "inspect", "subprocess"}
_LYING_DUNDERS = {
    "__eq__",
    "__ne__",
    "__bool__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__int__",
    "__float__",
    "__index__",
    "__abs__",
    "__sub__",
    "__rsub__",
    "__getattribute__",
    "__instancecheck__",
    "__class__",
}
#: attributes whose *reading* already reaches into code or frames
_INTERNALS = {
    "__globals__",
    "__code__",
    "__closure__",
    "__subclasses__",
    "__builtins__",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
}
#: the grader's files: a string naming one is a look at the answers or the grades
_GRADER_FILES = ("gradebook", ".ipynb", "autograded/", "submitted/", "nbgrader_config")
#: IPython magics that only time, plot or install
_SAFE_MAGICS = {"matplotlib", "time", "timeit", "pip", "load_ext", "autoreload"}


def _chain(node: ast.AST) -> list[str]:
    """The attribute names along ``a.b[...].c`` (``["c", "b"]``)."""
    names = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.value
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Auditor(ast.NodeVisitor):
    def __init__(self, modules: Collection[str] = frozenset()) -> None:
        self.modules: set[str] = set(modules)  # names bound by import statements
        self.flags: list[str] = []

    def flag(self, node: ast.AST, why: str) -> None:
        self.flags.append(f"line {getattr(node, 'lineno', '?')}: {why}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.modules.add((alias.asname or alias.name).split(".")[0])
            if alias.name.split(".")[0] in _FORBIDDEN_MODULES:
                self.flag(node, f"imports {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        root = (node.module or "").split(".")[0]
        if root in _FORBIDDEN_MODULES:
            self.flag(node, f"imports from {node.module}")
        for alias in node.names:
            # `from nncost import formulas` binds a module-like object
            self.modules.add(alias.asname or alias.name)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _FORBIDDEN_NAMES:
            self.flag(node, _FORBIDDEN_NAMES[node.id])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if base is not None and (base, node.attr) in _FORBIDDEN_ATTRS:
            self.flag(node, _FORBIDDEN_ATTRS[(base, node.attr)])
        if node.attr in _INTERNALS:
            self.flag(node, f"reaches {node.attr}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and any(f in node.value for f in _GRADER_FILES):
            self.flag(node, f"names the grader's files ({node.value[:40]!r})")

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Attribute) and target.attr in _LYING_DUNDERS | {"__dict__"}:
            self.flag(target, f"replaces {target.attr}")
        chain = _chain(target)
        if isinstance(target, ast.Attribute) or (
            isinstance(target, ast.Subscript) and {"__dict__", "modules"} & set(chain)
        ):
            # module.name = … (a subscript only when it writes into a namespace:
            # os.environ["X"] = … and plt.rcParams["…"] = … are settings, not patches)
            root = _root_name(target)
            if root in self.modules:
                self.flag(target, f"replaces part of the module {root!r} (monkeypatching)")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_target(t)

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._check_target(t)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self._check_target(t)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in {"setattr", "delattr"} and node.args:
            root = _root_name(node.args[0])
            if root in self.modules or root in {"__builtins__", "builtins"}:
                self.flag(node, f"{node.func.id} on the module {root!r} (monkeypatching)")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in _LYING_DUNDERS:
            self.flag(node, f"defines {node.name}, which can make a wrong answer compare as right")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef


def _continues(lines: list[str]) -> bool:
    """Whether the code ``lines`` ends inside a statement: an open bracket, a backslash or a
    multi-line string. The next line then continues it (``% (a, b)`` of printf-style formatting,
    ``!= x``, a docstring's line), and IPython reads a magic only at the start of a statement."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            pass
    except tokenize.TokenError:
        return True
    except (SyntaxError, ValueError):  # e.g. bad indentation: left to ast.parse below
        return False
    return False


def _timed_code(args: str) -> str:
    """The code a ``%time``/``%timeit`` line runs, without timeit's options (``-n 10 -r 3``)."""
    words = args.split()
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in ("-n", "-r", "-p") and words:  # the option's number, written apart
            words.pop(0)
    return " ".join(words) or "pass"


def _as_ipython_runs_it(source: str) -> ast.AST | None:
    """The cell as IPython turns it into Python (magics become ``get_ipython()`` calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))
    except (ImportError, SyntaxError, ValueError):
        return None


def audit_source(source: str, modules: Collection[str] = frozenset()) -> list[str]:
    """Flags for one cell's code ('line N: why'). ``modules``: names other cells imported."""
    lines: list[str] = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) and not _continues(lines):
            # magics and shell escapes run outside Python's view: flag all but the harmless
            magic = stripped.lstrip("%").split(maxsplit=1)
            if stripped.startswith("!") or not magic or magic[0] not in _SAFE_MAGICS:
                return [f"uses the IPython magic or shell escape {stripped.split()[0]!r}"]
            rest = (
                _timed_code(magic[1])
                if len(magic) > 1 and magic[0] in ("time", "timeit")
                else "pass"
            )
            lines.append(line[: len(line) - len(stripped)] + rest)  # %timeit f(x): audit f(x)
        else:
            lines.append(line)
    tree: ast.AST | None
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        tree = _as_ipython_runs_it(source)  # `x = !ls`, `y = %sx …`: IPython's own reading
        if tree is None:
            return []  # a syntax error fails on its own when the cell runs
    auditor = _Auditor(modules)
    auditor.visit(tree)
    return auditor.flags


def instructor_code(released) -> set[str]:
    """The code of the instructor's locked cells in the released notebook ``released``."""
    return {
        c.source
        for c in released.cells
        if c.get("cell_type") == "code" and c.get("metadata", {}).get("nbgrader", {}).get("locked")
    }


def audit_notebook(nb, instructor: Collection[str] = frozenset()) -> list[str]:
    """Flags for every code cell of ``nb`` that is not exactly one of ``instructor``'s cells.

    The student's metadata plays no part: a cell that claims to be locked is audited like any
    other unless its code is the instructor's, character for character.
    """
    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    mine = [(i, c) for i, c in code if c.source not in instructor]
    modules = set().union(*(_imported_modules(c.source) for _, c in code))
    flags = []
    for index, cell in mine:
        flags += [f"cell {index}: {flag}" for flag in audit_source(cell.source, modules)]
    return flags


def _imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return {n for n in names if n not in _FORBIDDEN_MODULES}
