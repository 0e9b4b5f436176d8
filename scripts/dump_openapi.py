"""Print the backend's OpenAPI document as JSON, for the frontend's generated API client.

Builds the FastAPI app in-process (no server, no database connection needed) and writes
`create_app().openapi()` to stdout: `python scripts/dump_openapi.py > frontend/openapi.json`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Run as a plain script from any directory: make the repository root importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.app import create_app  # noqa: E402


def main() -> int:
    document = create_app().openapi()
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
