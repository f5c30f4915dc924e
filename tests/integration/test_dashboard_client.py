"""The dashboard's generated client matches the API: ``web/dashboard/openapi.json`` is what the
app serves, and ``src/api/schema.d.ts`` is what ``openapi-typescript`` makes of it. After an API
change: ``.venv/bin/tarsy openapi -o web/dashboard/openapi.json`` then
``npm run --prefix web/dashboard gen:api``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tarsy import __version__
from tarsy.api.app import create_api

DASHBOARD = Path(__file__).resolve().parents[2] / "web" / "dashboard"


def test_the_committed_openapi_document_is_the_apps() -> None:
    served = create_api(None, version=__version__).openapi()
    committed = json.loads((DASHBOARD / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(served)), (
        "web/dashboard/openapi.json is stale: run `.venv/bin/tarsy openapi -o "
        "web/dashboard/openapi.json` and `npm run --prefix web/dashboard gen:api`"
    )


def test_the_generated_types_are_those_of_the_openapi_document(tmp_path: Path) -> None:
    generator = DASHBOARD / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists() or shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the dashboard's node_modules are missing (make dashboard)")
        pytest.skip("the dashboard's node_modules are missing (make dashboard)")
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(generator), "openapi.json", "-o", str(out)],
        cwd=DASHBOARD,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_text() == (DASHBOARD / "src" / "api" / "schema.d.ts").read_text(), (
        "src/api/schema.d.ts is stale: run `npm run --prefix web/dashboard gen:api`"
    )
