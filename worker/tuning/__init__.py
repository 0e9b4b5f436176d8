"""The tuner: a search over DSP parameters and networks under a board's measured limits.

Pure parts (search space, networks, one trial, the Optuna study) are importable without a broker;
`job.py` is the thin job function a Celery task runs once per trial.
"""
