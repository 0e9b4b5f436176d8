"""Jobs that act on whole projects (cloning)."""
