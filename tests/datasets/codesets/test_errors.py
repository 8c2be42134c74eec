from __future__ import annotations

import re
from pathlib import Path

import datasets


def test_error_codes_are_unique_across_the_project() -> None:
    root = Path(datasets.__file__).resolve().parent.parent
    seen: dict[str, str] = {}
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for code in set(re.findall(r'"([A-Z]{2,4}\d{3}) ', path.read_text(encoding="utf-8"))):
            assert code not in seen or seen[code] == str(path), f"{code} used in {seen[code]} and {path}"
            seen[code] = str(path)
    assert {"CS001", "CS002", "CS003", "CS004"} <= set(seen)
