"""Why a preset does not take an impulse's features, in words a person reads in the UI."""

from __future__ import annotations

from worker.learning.architectures import misfit_reason, shape_in_words
from worker.learning.layers import LayerShapeError


def test_a_misfit_names_what_the_preset_needs_and_what_the_impulse_gives() -> None:
    reason = misfit_reason("conv1d_audio", (78,), LayerShapeError("flat features"))
    assert reason == (
        "needs a 2-D input (time × features) such as MFCC or MFE; "
        "this impulse gives 78 features in one dimension"
    )


def test_right_dimensions_but_too_small_keeps_the_layers_reason() -> None:
    reason = misfit_reason("conv2d_audio", (2, 2), LayerShapeError("pooling needs 2 frames."))
    assert reason == "cannot fit its layers to 2 × 2 features (time × features): pooling needs 2 frames"


def test_shapes_in_words() -> None:
    assert shape_in_words((96, 96, 3)) == "96 × 96 × 3 features (height × width × channels)"
    assert shape_in_words((49, 13, 1)) == "49 × 13 features (time × features, one channel)"
