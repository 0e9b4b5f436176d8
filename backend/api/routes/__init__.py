"""One router module per resource; backend.api.main mounts them all."""
