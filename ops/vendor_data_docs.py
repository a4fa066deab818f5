"""Vendor the JS/CSS GX Data Docs load from CDNs, from the npm registry, into
expectations/data_docs_vendor/<package>@<version>/ (the files listed in assets.json, the
package's licence and its package.json, which names the licence when no file ships one).

Run by hand after a GX upgrade changes the URLs its templates reference (needs `npm`);
`make docs` only copies the committed result.

    python ops/vendor_data_docs.py
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parents[1] / "expectations" / "data_docs_vendor"


def vendor(spec_path: Path = VENDOR_DIR / "assets.json") -> None:
    spec = json.loads(spec_path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for package, files in spec["packages"].items():
            tarball = subprocess.run(
                ["npm", "pack", "--silent", package], cwd=tmp, check=True, capture_output=True, text=True
            ).stdout.strip().splitlines()[-1]
            target = VENDOR_DIR / package
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(Path(tmp) / tarball) as archive:
                for name in ["package.json", *files]:
                    member = archive.extractfile(f"package/{name}")
                    out = target / name
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(member.read())
            print(f"{package}: {len(files)} files")


if __name__ == "__main__":
    vendor()
