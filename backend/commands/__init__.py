"""Sub-commands of `mcuforge`; each module has register(subparsers) and sets func."""
