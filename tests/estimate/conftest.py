"""Fixture libraries and the ARM toolchain requirement of the estimator's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def arm_toolchain() -> None:
    for tool in ("arm-none-eabi-g++", "arm-none-eabi-size", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES_DIR
