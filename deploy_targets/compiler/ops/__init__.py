"""One module per operator family, shaped as TFLite Micro's kernels: each checks its operator
and prepares the parameter struct and constants (TFLM's Prepare), then appends the kernel call
the generated C++ makes (its Eval is the runtime header under runtime/mf/). registry.py lists
them; context.py holds what they share."""
