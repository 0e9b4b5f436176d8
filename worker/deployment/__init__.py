"""Deployment: build an impulse's C++ SDK, Arduino library, WebAssembly or model files as a job,
and estimate its cost on a board. Thin DB wrappers around deploy_targets' packagers."""
