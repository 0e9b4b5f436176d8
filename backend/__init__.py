"""mcuforge's web side: settings, database, HTTP API and CLI."""
