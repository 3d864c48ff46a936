"""nncost: the cost of neural networks.

Parameters, memory, FLOPs and inference time of Keras models, under stated,
configurable conventions::

    import nncost
    report = nncost.profile(model)      # model: a built Keras 3 model
    print(report)                       # the table
    print(report.explain())             # the worked derivation, layer by layer

``import nncost`` does not import TensorFlow; :func:`profile` uses the Keras the
model already comes from.
"""

from nncost import formulas
from nncost.conventions import COURSE, TF_PROFILER, Convention, get_convention
from nncost.errors import NNCostError, UncountedLayerWarning
from nncost.profiler import profile
from nncost.report import LayerCost, Memory, Report, TrainingMemory

__version__ = "0.1.0"

__all__ = [
    "COURSE",
    "TF_PROFILER",
    "Convention",
    "LayerCost",
    "Memory",
    "NNCostError",
    "Report",
    "TrainingMemory",
    "UncountedLayerWarning",
    "formulas",
    "get_convention",
    "profile",
]
