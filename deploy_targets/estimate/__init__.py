"""On-device estimates of a generated library: flash, RAM, stack and instructions under QEMU."""
