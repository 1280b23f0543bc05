"""``make bench``'s deploy figures: the Lambda zip's size (and what fills it) and the deploy rehearsal's time.

Both come from one run of the deploy rehearsal (``tests/deploy``): it runs ``make deploy`` twice against an
embedded moto AWS, and the zip is the one Chalice built and uploaded there
(``build/deploy/rehearsal/project/.chalice/deployments/``). Lambda's limit is 50 MB zipped.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = ROOT / "build" / "deploy-rehearsal.json"
DEPLOYMENTS = ROOT / "build" / "deploy" / "rehearsal" / "project" / ".chalice" / "deployments"


def zip_contents(path: Path, top: int = 5) -> list[tuple[str, float]]:
    """The biggest top-level entries of a zip by compressed size, in MB."""
    sizes: collections.Counter[str] = collections.Counter()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            sizes[info.filename.split("/")[0]] += info.compress_size
    return [(name, round(size / 1_000_000, 2)) for name, size in sizes.most_common(top)]


def measure() -> dict[str, Any]:
    """Run the rehearsal; return ``package.zip_mb``, ``deploy_rehearsal.s`` and the zip's biggest parts."""
    subprocess.run([sys.executable, "-m", "pytest", "tests/deploy", "-q"], cwd=ROOT, check=True)
    timings = json.loads(TIMINGS.read_text(encoding="utf-8"))
    zip_path = max(DEPLOYMENTS.glob("*.zip"), key=lambda p: p.stat().st_mtime)
    results: dict[str, Any] = {"package.zip_mb": round(zip_path.stat().st_size / 1_000_000, 1),
                               "deploy_rehearsal.s": timings["seconds"],
                               "deploy_rehearsal.first_deploy_s": timings["steps"]["deploy"],
                               "deploy_rehearsal.upgrade_s": timings["steps"]["upgrade"]}
    for name, size in zip_contents(zip_path):
        results[f"package.top.{name}_mb"] = size
    return results


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
