"""Business logic the routes call: each module owns one resource and takes a Session."""
