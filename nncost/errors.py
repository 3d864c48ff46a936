"""nncost's exceptions and warnings. Every message names the fix."""

from __future__ import annotations

__all__ = ["NNCostError", "UncountedLayerWarning", "check_batch_size"]


class NNCostError(ValueError):
    """Bad input to nncost: the message says what to change."""


class UncountedLayerWarning(UserWarning):
    """A layer (or activation) has no FLOPs rule: its FLOPs are reported as unknown."""


def check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise NNCostError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
