"""The visible check of a chart task: does a bar chart plot the costs nncost counts?

The chart is read by what it plots (:func:`nncost.answers.encode`: each Axes' bar heights and
their tick labels), never by its pixels, as the grader reads it.
"""

from __future__ import annotations

import math

from nncost.checks import CheckFailed

__all__ = ["check_cost_bars", "check_ratio"]


def _series(fig) -> list[dict]:
    from nncost.answers import encode

    encoded = encode(fig)
    if encoded.get("type") != "matplotlib.Figure":
        raise CheckFailed(
            f"expected a matplotlib figure (fig, axes = plt.subplots(1, 2)), "
            f"got {type(fig).__name__}: return or assign the figure itself"
        )
    return [bars for ax in encoded["axes"] for bars in ax["bars"]]


def check_cost_bars(fig, models: dict) -> None:
    """Check that ``fig`` has one bar series of the models' parameters and one of their FLOPs
    (one inference, batch size 1, nncost's convention), each bar labelled with its key.

    Args:
        fig: a matplotlib Figure.
        models: ``{label: built Keras model}``, in the order of the bars.
    """
    import nncost

    labels = list(models)
    reports = [nncost.profile(model) for model in models.values()]
    series = _series(fig)
    for cost in ("params", "flops"):
        want = [getattr(report, cost) for report in reports]
        found = [
            s
            for s in series
            if len(s["heights"]) == len(want)
            and all(
                isinstance(h, (int, float)) and math.isclose(h, w, rel_tol=1e-6)
                for h, w in zip(s["heights"], want)
            )
        ]
        name = {"params": "parameters", "flops": "FLOPs"}[cost]
        if not found:
            plotted = [s["heights"] for s in series] or "no bars"
            raise CheckFailed(
                f"no bar series is the {name} of {', '.join(labels)} ({want}); the figure plots "
                f"{plotted}: draw ax.bar({labels}, [...{name}...]) on its own Axes"
            )
        if not any(
            [str(x).strip().lower() for x in s["labels"]] == [x.lower() for x in labels]
            for s in found
        ):
            raise CheckFailed(
                f"the {name} bars are right but not labelled {', '.join(labels)}: "
                f"pass the labels as the bars' x values, ax.bar({labels}, ...)"
            )
    print(f"✓ the figure plots the parameters and the FLOPs of {', '.join(labels)}.")


def check_ratio(name: str, ratio, model, baseline, cost: str) -> None:
    """Check that ``ratio`` is ``model``'s cost divided by ``baseline``'s (``cost``: "params" or
    "flops", nncost's counts: one inference, batch size 1)."""
    import nncost

    top, bottom = (getattr(nncost.profile(m), cost) for m in (model, baseline))
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
        raise CheckFailed(f"{name} must be a number, not {type(ratio).__name__}")
    if math.isclose(ratio, bottom / top, rel_tol=1e-6):
        raise CheckFailed(
            f"{name} is upside down: divide {getattr(model, 'name', 'the model')}'s "
            f"count by {getattr(baseline, 'name', 'the baseline')}'s"
        )
    if not math.isclose(ratio, top / bottom, rel_tol=1e-6):
        raise CheckFailed(
            f"{name} = {ratio!r} is not {top} / {bottom}: divide the two counts, unrounded"
        )
    print(f"✓ {name} = {ratio:.4f}")
