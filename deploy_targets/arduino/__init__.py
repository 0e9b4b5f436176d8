"""The Arduino library packager: a built C++ SDK -> `<project>_inferencing` with examples."""

from deploy_targets.arduino.library import build_arduino_library, library_name

__all__ = ["build_arduino_library", "library_name"]
