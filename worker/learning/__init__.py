"""The learning core: network specs, generated training scripts, the sandboxed runner, int8
quantization, metrics and anomaly detection. Pure functions on numpy arrays; no DB, no Celery."""
