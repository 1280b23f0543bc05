"""The Lambda zip the rehearsal deployed can file to the record by itself, without Pillow or unused FHIR models.

``scripts/deploy/project.py`` vendors fpdf2, fontTools, fhir.resources and fhir-core as pure-Python wheels (pruned)
instead of letting pip bring Pillow and compiled extras: this proves the result still makes a PDF and a validated
FHIR bundle, importing from nothing but the zip and the standard library.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = ROOT / "build" / "deploy" / "rehearsal" / "project" / ".chalice" / "deployments"

MAKE_AN_EXPORT = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
from datetime import UTC, datetime, timedelta
assert importlib.util.find_spec("PIL") is None, "Pillow is in the zip"
from chalicelib.domain.fhir_export import fhir_bundle
from chalicelib.domain.transcript import ExportContext, RecordMessage, RecordPatient, transcript, transcript_pdf
at = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
ctx = ExportContext("e1", at, "Sam Okafor", "t1", "Diabetes", "Europe/London",
                    RecordPatient("p1", "Łucja", "Nowak", "2009-04-01", "9434765919"))
messages = [RecordMessage(f"m{i}", kind, "s1" if kind == "staff" else None, "Sam (Nurse)", f"Message {i} ❤️",
                          at + timedelta(minutes=i)) for i, kind in enumerate(["patient", "auto", "staff", "system"])]
pdf = transcript_pdf(transcript(ctx, messages), created=at)
bundle = json.loads(fhir_bundle(ctx, messages))
import fpdf, fhir.resources
print(json.dumps({"pdf": pdf[:5].decode(), "entries": len(bundle["entry"]), "fpdf": fpdf.__file__,
                  "fhir": fhir.resources.__file__}))
"""


def _zip() -> Path:
    return max(DEPLOYMENTS.glob("*.zip"), key=lambda p: p.stat().st_mtime)


def test_the_deployed_zip_makes_a_pdf_and_a_valid_bundle_on_its_own(deployed: dict[str, Any], tmp_path: Path):
    with zipfile.ZipFile(_zip()) as archive:
        archive.extractall(tmp_path)
    # -S: no site-packages at all, so every import but the standard library's comes from the zip.
    result = subprocess.run([sys.executable, "-S", "-c", MAKE_AN_EXPORT, str(tmp_path)], capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    made = result.stdout.strip().splitlines()[-1]
    assert '"pdf": "%PDF-"' in made and '"entries": 8' in made and str(tmp_path) in made


def test_the_zip_leaves_out_pillow_and_the_fhir_versions_teamline_does_not_use(deployed: dict[str, Any]):
    with zipfile.ZipFile(_zip()) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}
    assert "PIL" not in tops and "pillow.libs" not in tops
    fhir = {name.split("/")[2] for name in names if name.startswith("fhir/resources/") and name.count("/") >= 2}
    assert "R4B" in fhir and "STU3" not in fhir and "communication.py" not in fhir
    r4b = {name.split("/")[3] for name in names if name.startswith("fhir/resources/R4B/") and name.count("/") == 3}
    assert "communication.py" in r4b and "claim.py" not in r4b
    assert not [n for n in names if n.startswith("fontTools/") and n.endswith(".so")]
