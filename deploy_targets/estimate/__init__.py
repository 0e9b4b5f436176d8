"""On-device estimates of a generated library: flash, RAM, stack and instructions under QEMU."""

from deploy_targets.estimate.arm_build import ArmTools, BuildError
from deploy_targets.estimate.estimator import Estimate, estimate_compiled, estimate_library
from deploy_targets.estimate.qemu_run import QemuError

__all__ = [
    "ArmTools",
    "BuildError",
    "Estimate",
    "QemuError",
    "estimate_compiled",
    "estimate_library",
]
