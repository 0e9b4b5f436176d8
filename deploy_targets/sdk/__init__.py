"""The C++ SDK packager: an impulse's DSP block, int8 model and labels -> a C++ library folder.

    build = build_cpp_sdk(impulse, model_int8, labels, dsp_blocks=[dsp], out_dir=Path("sdk"))
"""

from deploy_targets.sdk.build import SdkBuild, build_cpp_sdk, render_template
from deploy_targets.sdk.spec import (
    DspSpec,
    ImpulseSpec,
    SdkError,
    image_impulse,
    project_identifier,
)

__all__ = [
    "DspSpec",
    "ImpulseSpec",
    "SdkBuild",
    "SdkError",
    "build_cpp_sdk",
    "image_impulse",
    "project_identifier",
    "render_template",
]
