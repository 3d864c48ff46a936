"""Hints for errors that come from Keras 2 habits, in nncost's checks and in the student's cells.

Most tutorials are written for Keras 2, where a layer had ``layer.input_shape`` and
``layer.output_shape``; Keras 3 removed both, and asking for them raises a bare
``AttributeError``. :func:`keras2_hint` turns such an error into the fix;
:func:`install` makes IPython (a notebook's kernel) add that fix under the traceback of any
cell that makes the slip::

    import nncost.hints
    nncost.hints.install()      # in the notebook's setup cell; does nothing outside IPython

Imports nothing heavy (no Keras, no TensorFlow, IPython only when installing).
"""

from __future__ import annotations

__all__ = ["KERAS3_SHAPES", "install", "keras2_hint", "uninstall"]

#: the fix, as shown under the error
KERAS3_SHAPES = "Keras 3: use `layer.input.shape` / `layer.output.shape`"

_KERAS2_NAMES = ("input_shape", "output_shape")


def keras2_hint(error: BaseException) -> str | None:
    """The Keras 3 fix if ``error`` is an AttributeError about ``input_shape``/``output_shape``.

    ``None`` for any other error. The hint names the attribute asked for, e.g. "`input_shape`
    was Keras 2's; Keras 3: use `layer.input.shape` / `layer.output.shape` (…)".
    """
    if not isinstance(error, AttributeError):
        return None
    asked = [name for name in _KERAS2_NAMES if name in str(error)]
    if not asked:
        return None
    return (
        f"`{asked[0]}` was Keras 2's; {KERAS3_SHAPES} "
        "(both shapes start with the batch axis, None: the sizes of one sample are "
        "`layer.output.shape[1:]`)."
    )


def _handler(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: the normal traceback, plus the hint if one applies."""
    hint = keras2_hint(value)
    if hint is not None and hint not in getattr(value, "__notes__", ()):
        value.add_note(hint)  # IPython prints an exception's notes under its traceback
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install(shell=None) -> bool:
    """Show the Keras 3 fix under every ``input_shape``/``output_shape`` AttributeError.

    Args:
        shell: the IPython shell; ``None`` means the running one (``get_ipython()``).

    Returns True when the handler is installed, False (and does nothing) outside IPython.
    Registers an IPython custom exception handler for ``AttributeError``: every
    AttributeError still shows its usual traceback; the hint is added only when the message
    names ``input_shape`` or ``output_shape``. It replaces any custom handler set before.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        if shell is None:
            return False
    shell.set_custom_exc((AttributeError,), _handler)
    return True


def uninstall(shell=None) -> None:
    """Remove the handler :func:`install` set (IPython then shows errors as it did before)."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((), None)
