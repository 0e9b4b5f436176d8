"""Feature generation: windowing samples, running DSP blocks in batches, the explorer projection."""
