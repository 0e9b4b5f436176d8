"""Pydantic request and response models, one family per entity."""
