"""Every architecture in keras.applications: parameters equal Keras' own count, layer by
layer; every layer has a FLOPs rule; MACs agree with the papers."""

import inspect
import math
import warnings

import pytest

import nncost
from nncost.graph import walk

APPLICATIONS = sorted(
    name
    for name, fn in inspect.getmembers(__import__("keras").applications)
    if callable(fn) and name[0].isupper()
)

# Multiply-adds per image as the papers state them ("FLOPs" in papers that count a
# multiply-add as one), with the source. Input 224×224 unless noted.
PAPER_MACS = {
    # He et al. 2016, "Deep Residual Learning", §4.1: VGG-16 15.3 billion FLOPs (mult-adds)
    "VGG16": (15.3e9, 0.02),
    # ibid., Table 1: ResNet-50 3.8×10^9 FLOPs (mult-adds)
    "ResNet50": (3.8e9, 0.02),
    # Howard et al. 2017, MobileNets, Table 8: 569 million mult-adds
    "MobileNet": (569e6, 0.02),
    # Sandler et al. 2018, MobileNetV2, Table 4: 300 million MAdds
    "MobileNetV2": (300e6, 0.02),
    # Tan & Le 2019, EfficientNet, Table 2: Inception-v3 5.7B FLOPs at 299×299
    # (Szegedy et al. 2016 only say "about 5 billion", a rounded figure)
    "InceptionV3": (5.7e9, 0.02),
    # ibid., Table 2: Xception 8.4B FLOPs at 299×299
    "Xception": (8.4e9, 0.02),
    # ibid., Table 2: EfficientNet-B0 0.39B FLOPs
    "EfficientNetB0": (0.39e9, 0.02),
    # Huang et al. 2017, DenseNet, Fig. 3: DenseNet-121 at ≈2.9 GFLOPs (mult-adds). The
    # paper gives no table value; read from the plot, so the tolerance is the plot's
    # resolution (±0.1 G), not 2%.
    "DenseNet121": (2.9e9, 0.035),
    # Zoph et al. 2018, NASNet, Table 2: NASNet-A (4 @ 1056) 564 M mult-adds
    "NASNetMobile": (564e6, 0.02),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", APPLICATIONS)
def test_application(name, keras):
    model = getattr(keras.applications, name)(weights=None)
    if None in model.input.shape[1:]:  # MobileNetV3 takes any size unless told
        model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no uncounted layer, no params mismatch
        report = nncost.profile(model)
    assert report.params == model.count_params()
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert report.trainable_params == trainable
    ops = walk(model).ops  # one op per report row, in the same order
    assert [op.name for op in ops] == [row.name for row in report.layers]
    for op, row in zip(ops, report.layers):
        if isinstance(op.layer, keras.layers.Layer):  # keras.ops nodes (x + 3) hold no weights
            assert row.params == op.layer.count_params(), row.name
    assert not report.uncounted
    if name in PAPER_MACS:
        paper, tolerance = PAPER_MACS[name]
        assert report.macs == pytest.approx(paper, rel=tolerance), (name, report.macs)
    keras.backend.clear_session()


def test_every_paper_model_is_an_application():
    assert set(PAPER_MACS) <= set(APPLICATIONS)
