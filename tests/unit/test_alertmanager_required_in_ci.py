"""With CI=true, a missing Alertmanager binary fails its end-to-end test instead of skipping it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run_without_alertmanager(ci: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "PATH": str(tmp_path)}  # no binary on this PATH
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "sqlite",
            "tests/e2e/test_alertmanager_real.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ci_fails_without_alertmanager(tmp_path: Path) -> None:
    result = run_without_alertmanager("true", tmp_path)
    assert result.returncode != 0
    assert "CI=true: the Alertmanager test must run" in result.stdout


def test_laptop_skips_without_alertmanager(tmp_path: Path) -> None:
    result = run_without_alertmanager("", tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
