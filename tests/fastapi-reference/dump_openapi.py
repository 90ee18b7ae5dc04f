"""Prints the reference app's own OpenAPI document (`app.openapi()`, OpenAPI 3.1) as JSON.

`crates/insighto-contract/tests/openapi31.rs` runs it to diff FastAPI's real output and to
check that `openapi.json` here (the copy offline tests read) is what the app produces.

Run: `python dump_openapi.py > openapi.json` with this directory as the working directory.
"""

import json
import sys

from app import app

json.dump(app.openapi(), sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
