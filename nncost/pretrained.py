"""A pretrained ImageNet base for transfer learning, used only when its weights are on disk.

:func:`imagenet_base` wraps ``keras.applications.MobileNetV2`` (no top, ImageNet weights,
96×96 inputs) so that it takes the course's grey-scale images: it resizes them, repeats the
grey channel three times and scales [0, 1] to MobileNetV2's [-1, 1]. It never downloads: when
the weights file is not in Keras' cache it prints where it looked and returns ``None``, and
the notebook pretrains its own base instead.
"""

from __future__ import annotations

import os

__all__ = ["IMAGENET_SIDE", "imagenet_base", "mobilenet_v2_weights_path"]

IMAGENET_SIDE = 96  #: input side MobileNetV2 runs at here (one of its ImageNet sizes)


def mobilenet_v2_weights_path(side: int = IMAGENET_SIDE, alpha: float = 1.0) -> str:
    """Where ``keras.applications.MobileNetV2(weights="imagenet", include_top=False)`` caches
    its weights (``$KERAS_HOME/models`` or ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{side}_no_top.h5"
    return os.path.join(home, "models", name)


def imagenet_base(image_shape, *, weights_path: str | None = None, verbose: bool = True):
    """MobileNetV2 with ImageNet weights as a ``keras.Model`` on ``image_shape`` inputs
    ((height, width, 1), values in [0, 1]) giving 1,280 features per image; ``None`` (with a
    printed message) when the weights file is missing. ``weights_path=None`` looks in Keras'
    cache (:func:`mobilenet_v2_weights_path`)."""
    path = weights_path or mobilenet_v2_weights_path()
    if not os.path.exists(path):
        if verbose:
            print(
                f"No ImageNet weights at {path} (this machine is offline): using a base "
                "pretrained here instead. Put the MobileNetV2 weights there to use ImageNet."
            )
        return None
    return _wrapped_mobilenet(image_shape, path)


def _wrapped_mobilenet(image_shape, weights):
    """The grey-scale → MobileNetV2 wrapper; ``weights`` is a file path or None (random)."""
    import keras

    side = IMAGENET_SIDE
    core = keras.applications.MobileNetV2(
        input_shape=(side, side, 3), include_top=False, weights=weights, pooling="avg"
    )
    inputs = keras.Input(tuple(image_shape))
    x = keras.layers.Resizing(side, side)(inputs)
    x = keras.layers.Concatenate()([x, x, x])  # grey → RGB
    x = keras.layers.Rescaling(2.0, offset=-1.0)(x)  # [0, 1] → [-1, 1], MobileNetV2's range
    outputs = core(x, training=False)  # batch norm keeps its ImageNet statistics when fine-tuned
    return keras.Model(inputs, outputs, name="imagenet_base")
