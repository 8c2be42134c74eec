"""Refresh ``data/MANIFEST.json`` after editing a table: ``python -m datasets.synth.manifest``.

The manifest records each table's description, source, effective period and sha256; a test fails when a table
changes without its manifest entry, so an edit is always a deliberate, reviewed change.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path


def refresh_manifest() -> list[str]:
    """Rewrite the sha256 of every table listed in the manifest; returns the names that changed."""
    folder = Path(str(resources.files("datasets.synth") / "data"))
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    changed = []
    for name, entry in manifest.items():
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if entry.get("sha256") != digest:
            entry["sha256"] = digest
            changed.append(name)
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    print("updated:", ", ".join(refresh_manifest()) or "nothing")
