"""Static tamper audit of a submitted notebook.

Hidden tests run in the student's kernel, so a student can reach anything there.
nbgrader already restores edited or deleted test cells and their points (checksums,
``OverwriteCells.add_missing_cells``) and records errors even when tracebacks are
hidden. What it cannot see is code that changes the kernel itself. This audit reads
the student's own cells (never runs them) and flags such code:

* writing to the kernel or the interpreter: ``builtins``/``__builtins__``,
  ``get_ipython()``, ``sys.modules``, ``sys.settrace``, ``gc``, ``ctypes``;
* assigning to attributes of imported modules (``nncost.profile = …``,
  ``math.isclose = …``, ``np.testing.assert_equal = …``) or ``setattr`` on them;
* defining comparison dunders that can lie (``__eq__``, ``__ne__``, ``__bool__``…);
* leaving the kernel: ``os._exit``, ``sys.exit``, ``os.kill``, ``signal``;
* running code built from strings: ``exec``, ``eval``, ``compile``, ``__import__``,
  ``importlib``.

Nothing in the course needs any of these. A flagged notebook scores 0 on its
autograded parts and is listed in the class summary for the instructor to review.
"""

from __future__ import annotations

import ast

__all__ = ["audit_notebook", "audit_source"]

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
}
_FORBIDDEN_MODULES = {"builtins", "ctypes", "importlib", "signal", "gc", "inspect"}
_LYING_DUNDERS = {"__eq__", "__ne__", "__bool__", "__lt__", "__le__", "__gt__", "__ge__",
                  "__hash__", "__int__", "__float__", "__index__", "__abs__", "__sub__",
                  "__rsub__", "__getattribute__", "__instancecheck__", "__class__"}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Auditor(ast.NodeVisitor):
    def __init__(self, modules: set[str] = frozenset()) -> None:
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
        if (base, node.attr) in _FORBIDDEN_ATTRS:
            self.flag(node, _FORBIDDEN_ATTRS[(base, node.attr)])
        if node.attr in _LYING_DUNDERS or node.attr in {"__dict__", "__code__", "__globals__"}:
            self.flag(node, f"reaches {node.attr}")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
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

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in _LYING_DUNDERS:
            self.flag(node, f"defines {node.name}, which can make a wrong answer compare as right")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef


def audit_source(source: str, modules: set[str] = frozenset()) -> list[str]:
    """Flags for one cell's code ('line N: why'). ``modules``: names other cells imported."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            # magics and shell escapes run outside Python's view: flag them
            lines.append("pass  # magic")
            if not stripped.startswith(("%matplotlib", "%pip", "%timeit", "%time")):
                return [f"uses the IPython magic or shell escape {stripped.split()[0]!r}"]
        else:
            lines.append(line)
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []  # a syntax error fails on its own when the cell runs
    auditor = _Auditor(modules)
    auditor.visit(tree)
    return auditor.flags


def audit_notebook(nb) -> list[str]:
    """Flags for every code cell a student could write (not nbgrader's locked cells)."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    modules = set().union(*(_imported_modules(c.source) for _, c in code))
    flags = []
    for index, cell in code:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") and not meta.get("solution"):
            continue  # nbgrader restores locked cells from the gradebook before running
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
