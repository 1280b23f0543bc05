"""``make package``: build the CloudFormation (SAM) deployment package for one stage.

Usage: ``python scripts/package.py [dev|prod] [--out DIR]`` (default ``dev`` into ``build/<stage>``),
after ``make assets`` has built ``static/dist/``.

Chalice zips ``app.py``, ``chalicelib/`` and the Lambda wheels, and copies whatever is in ``vendor/``
to the root of the zip (``BaseLambdaDeploymentPackager._add_vendor_files`` in chalice/deploy/packager.py
writes each file at its path relative to ``vendor/``). Lambda unpacks the zip into ``/var/task``, so
``vendor/templates`` and ``vendor/static`` arrive at ``/var/task/templates`` and ``/var/task/static``:
next to ``app.py``, which is where ``chalicelib/web/templating.py`` and ``chalicelib/api/pwa.py`` look.

The tables, their IAM policy and the table names in the functions' environment come from
``infra/dynamodb.json``, merged by ``chalice package --merge-template``. Afterwards this script pins
the template's ``Stage`` parameter to the stage it was built for: the functions' other settings come
from that stage's block in ``.chalice/config.json``, so a prod package deployed as ``Stage=dev``
would read prod's VAPID key name with dev's IAM policy. Pinned, CloudFormation refuses the mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
MERGE_TEMPLATE = "infra/dynamodb.json"
#: What the Lambda needs next to app.py; static/scss is a build input, not served.
WEB_DIRS = ("templates", "static")
NOT_PACKAGED = shutil.ignore_patterns("scss", "__pycache__", "*.pyc", ".DS_Store")
#: Files that must be in the zip for the pages to render (checked after packaging).
REQUIRED_IN_ZIP = ("app.py", "templates/base.html", "static/dist/assets.json")
#: What `chalice package` writes into its output folder; anything else there means a wrong --out.
PACKAGE_OUTPUTS = {"sam.json", "deployment.zip", "layer-deployment.zip"}


def stage_web_files(root: Path = ROOT) -> list[Path]:
    """Copy templates/ and static/ into vendor/, replacing earlier copies; return what was made."""
    vendor = root / "vendor"
    made = []
    for name in WEB_DIRS:
        target = vendor / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(root / name, target, ignore=NOT_PACKAGED)
        made.append(target)
    return made


def remove_staged(made: list[Path], root: Path = ROOT) -> None:
    """Remove the copies in vendor/ (and vendor/ itself if nothing else is in it)."""
    for path in made:
        shutil.rmtree(path, ignore_errors=True)
    vendor = root / "vendor"
    if vendor.is_dir() and not any(vendor.iterdir()):
        vendor.rmdir()


def pin_stage(template: dict[str, Any], stage: str) -> dict[str, Any]:
    """Make ``stage`` the only value (and the default) of the template's Stage parameter."""
    parameter = template["Parameters"]["Stage"]
    if stage not in parameter["AllowedValues"]:
        raise ValueError(f"{stage!r} is not one of the template's stages {parameter['AllowedValues']}")
    parameter["AllowedValues"] = [stage]
    parameter["Default"] = stage
    return template


def clear_output(out: Path) -> None:
    """Empty a previous package folder, refusing to touch a folder that holds anything else."""
    if not out.exists():
        return
    unexpected = sorted(p.name for p in out.iterdir() if p.name not in PACKAGE_OUTPUTS)
    if unexpected:
        raise SystemExit(f"{out} holds files that are not a Chalice package ({', '.join(unexpected)}); "
                         "choose an empty or new --out folder")
    shutil.rmtree(out)


def chalice_environment() -> dict[str, str]:
    """The environment for `chalice package`: a region, and no TEAMLINE_* overrides from this shell.

    Chalice imports app.py with the stage's variables from .chalice/config.json; a stray
    TEAMLINE_CLOCK_OVERRIDE or table name from a local shell must not leak into the build.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMLINE_")}
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    return env


def run_chalice_package(stage: str, out: Path) -> None:
    """Run `chalice package --stage STAGE --merge-template infra/dynamodb.json OUT` in the project."""
    command = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
               "package", "--stage", stage, "--merge-template", MERGE_TEMPLATE, str(out)]
    print("$ chalice " + " ".join(command[3:]), flush=True)
    subprocess.run(command, cwd=ROOT, env=chalice_environment(), check=True)


def compile_bytecode(root: Path = ROOT) -> None:
    """Precompile chalicelib/ so Lambda does not compile ~60 modules on every cold start.

    /var/task is read-only, so Python cannot cache bytecode there itself. ``unchecked-hash`` pycs are
    used without comparing source timestamps (a zip keeps mtimes only to 2 s). They would also hide
    later edits in a working copy, so they are removed again once the package is built.
    """
    import compileall
    import py_compile

    compileall.compile_dir(str(root / "chalicelib"), quiet=1, force=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def remove_bytecode(root: Path = ROOT) -> None:
    """Remove the package's unchecked pycs, so local runs see source edits again."""
    for cache in (root / "chalicelib").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def check_zip(zip_path: Path) -> None:
    """Fail if the deployment zip lacks the app or the web files it renders pages from."""
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
    missing = [name for name in REQUIRED_IN_ZIP if name not in names]
    if missing:
        raise SystemExit(f"{zip_path} is missing {', '.join(missing)}")


def main(argv: list[str] | None = None) -> int:
    """Build build/<stage>/sam.json and deployment.zip, and print the zip's size."""
    parser = argparse.ArgumentParser(prog="scripts/package.py", description=__doc__.splitlines()[0])
    parser.add_argument("stage", nargs="?", default="dev", choices=STAGES)
    parser.add_argument("--out", type=Path, help="output folder (default: build/<stage>)")
    args = parser.parse_args(argv)
    out = (args.out or ROOT / "build" / args.stage).resolve()

    if not (ROOT / "static" / "dist" / "assets.json").exists():
        raise SystemExit("static/dist/ is missing: run `make assets` first (`make package` does)")
    clear_output(out)
    made = stage_web_files()
    compile_bytecode()
    try:
        run_chalice_package(args.stage, out)
    finally:
        remove_staged(made)
        remove_bytecode()

    template_path = out / "sam.json"
    template = pin_stage(json.loads(template_path.read_text(encoding="utf-8")), args.stage)
    template_path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    zip_path = out / "deployment.zip"
    check_zip(zip_path)

    size = zip_path.stat().st_size
    print(f"{zip_path.relative_to(ROOT) if zip_path.is_relative_to(ROOT) else zip_path}: "
          f"{size / 1_000_000:.1f} MB ({size} bytes); Lambda's limit is 50 MB zipped, 250 MB unzipped")
    print(f"template: {template_path}  (Stage parameter pinned to {args.stage!r})")
    print("next: aws cloudformation package / deploy, see infra/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
