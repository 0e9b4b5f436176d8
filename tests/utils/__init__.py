"""Small factories the API and CLI tests share: generated files and API shortcuts."""
