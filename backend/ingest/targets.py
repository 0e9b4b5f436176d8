"""Numeric targets of regression samples: a target is stored as the sample's label, written as
the shortest text that reads back as the same number ("1.08", "-3", "2.5e-05").

The label stays the one place a sample's target lives; a regression learning block reads it with
float() (worker/training/targets.py), and names the sample when it is not a number.
"""

from __future__ import annotations

import math
import re

# A decimal number as a file name may start with it: digits, one decimal point, digits.
DECIMAL_LABEL = re.compile(r"[+-]?\d+\.\d+")


def parse_target(value: object) -> float:
    """A finite number from text or a JSON/CBOR number; ValueError saying what is wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a target value must be a number, not {type(value).__name__}")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise ValueError(f"the target value {shown!r} is not a number (e.g. 21.5)") from None
    else:
        number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"the target value {value!r} is not a finite number")
    return number


def target_label(number: float) -> str:
    """The label that stores a target: repr without a trailing '.0' (2.0 -> '2')."""
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text
