"""DSP blocks: pure numpy feature extractors with pydantic parameters and C++ twins."""
