"""Make sure Debian's chromium is installed for the browser tests.

As root it installs the ``chromium`` package with apt-get; otherwise it says exactly what to run.
Playwright's own browser download is never used (it cannot work on this kind of machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser tests (about 35 s)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        install = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
        if update.returncode == 0 and install.returncode == 0 and os.path.exists(CHROMIUM):
            return 0
        print("apt-get could not install chromium.", file=sys.stderr)
    else:
        print("The browser tests need Debian's chromium at /usr/bin/chromium. Install it with:\n"
              "    sudo apt-get install -y chromium", file=sys.stderr)
    # Without CI the browser tier reports the missing browser itself; in CI it is a hard failure.
    return 1 if os.environ.get("CI") == "true" else 0


if __name__ == "__main__":
    sys.exit(main())
