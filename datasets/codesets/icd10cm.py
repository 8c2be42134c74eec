"""ICD-10-CM (FY2026, April 2026 release) from simple-icd-10-cm, indexed once into SQLite for fast cold starts.

Importing simple-icd-10-cm parses its XML (about 2 s); medcode does that once, writes every chapter, block, category
and code with title, parent, billable flag, inclusion terms and excludes notes into a small SQLite file in the cache
folder, and answers every later lookup from there.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import metadata
from pathlib import Path

from datasets.codesets._sqlite import ReadOnlyDatabase, build_atomically
from datasets.codesets.errors import UnknownCodeError
from datasets.schema import normalize_icd10cm

ICD10CM_VERSION = "FY2026 (April 2026 update)"
_PACKAGE = "simple-icd-10-cm"


@dataclass(frozen=True)
class IcdCode:
    """One ICD-10-CM item. ``billable`` is True for leaves (codes valid on a claim)."""

    code: str
    title: str
    billable: bool
    parent: str | None
    kind: str  # chapter | block | category | subcategory
    inclusion_terms: tuple[str, ...]
    excludes1: tuple[str, ...]
    excludes2: tuple[str, ...]


def package_version() -> str:
    return metadata.version(_PACKAGE)


def _fill(connection: sqlite3.Connection) -> None:
    import simple_icd_10_cm as cm  # slow import, paid only when the index is (re)built

    connection.execute(
        "CREATE TABLE icd (code TEXT PRIMARY KEY, title TEXT, billable INTEGER, parent TEXT, kind TEXT,"
        " inclusion TEXT, excludes1 TEXT, excludes2 TEXT) WITHOUT ROWID"
    )
    rows = []
    for code in cm.get_all_codes(with_dots=True):
        # A few blocks share their name with their only category (B10, C7A, ...): the category wins.
        if cm.is_chapter(code):
            kind = "chapter"
        elif cm.is_category(code):
            kind = "category"
        elif cm.is_block(code):
            kind = "block"
        else:
            kind = "subcategory"
        rows.append(
            (
                code,
                cm.get_description(code),
                int(cm.is_leaf(code) and kind in ("category", "subcategory")),
                next((a for a in cm.get_ancestors(code) if a != code), None),
                kind,
                json.dumps(cm.get_inclusion_term(code)),
                json.dumps(cm.get_excludes1(code)),
                json.dumps(cm.get_excludes2(code)),
            )
        )
    connection.executemany("INSERT OR IGNORE INTO icd VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.execute("CREATE INDEX icd_billable ON icd (billable)")


def build_icd10cm_index(target: Path) -> Path:
    return build_atomically(target, _fill)


class Icd10cm:
    """ICD-10-CM lookups: validity, billable flag, title, parent chain, inclusion terms and excludes notes.

    Codes are normalised at this boundary (``e119`` -> ``E11.9``); chapters and blocks are looked up as they are
    written in the classification (``"4"``, ``"E08-E13"``).
    """

    system = "ICD-10-CM"
    version = ICD10CM_VERSION

    def __init__(self, index_path: Path) -> None:
        self.index_path = index_path
        self._db = ReadOnlyDatabase(index_path)

    @staticmethod
    def _key(code: str) -> str:
        stripped = code.strip()
        if stripped.isdigit() or "-" in stripped:
            return stripped.upper()
        try:
            return normalize_icd10cm(stripped)
        except ValueError:
            return stripped.upper()

    @lru_cache(maxsize=131072)  # noqa: B019 - one instance per index; bounded
    def find_code(self, code: str) -> IcdCode | None:
        """The item for ``code`` (any spelling), or None when it does not exist."""
        rows = self._db.query(
            "SELECT code, title, billable, parent, kind, inclusion, excludes1, excludes2 FROM icd WHERE code = ?",
            (self._key(code),),
        )
        if not rows:
            return None
        c, title, billable, parent, kind, inclusion, ex1, ex2 = rows[0]
        return IcdCode(
            str(c),
            str(title),
            bool(billable),
            str(parent) if parent else None,
            str(kind),
            tuple(json.loads(str(inclusion))),
            tuple(json.loads(str(ex1))),
            tuple(json.loads(str(ex2))),
        )

    def get_code(self, code: str) -> IcdCode:
        """Like :meth:`find_code` but raises :class:`UnknownCodeError` for an unknown code."""
        found = self.find_code(code)
        if found is None:
            raise UnknownCodeError(self._key(code), system=self.system, version=self.version)
        return found

    def is_valid(self, code: str) -> bool:
        """True for any item of the classification (chapter, block, category or code)."""
        return self.find_code(code) is not None

    def is_billable(self, code: str) -> bool:
        """True for codes that may be reported on a claim (leaves of the hierarchy)."""
        found = self.find_code(code)
        return found is not None and found.billable

    def title(self, code: str) -> str:
        return self.get_code(code).title

    def ancestors(self, code: str) -> list[str]:
        """Parent chain from the immediate parent up to the chapter: ``E11.9`` -> ``[E11, E08-E13, 4]``."""
        chain: list[str] = []
        current = self.get_code(code).parent
        while current:
            chain.append(current)
            item = self.find_code(current)
            current = item.parent if item else None
        return chain

    def children(self, code: str) -> list[str]:
        """Codes whose parent is ``code``, in code order."""
        return list(self.children_index.get(self.get_code(code).code, ()))

    @cached_property
    def children_index(self) -> dict[str, tuple[str, ...]]:
        """Parent code -> its child codes in code order, read in one pass (~0.2 s) on first use: the table has no
        index on ``parent``, so a query per parent scanned all of it (~35 ms each)."""
        out: dict[str, list[str]] = {}
        for code, parent in self._db.query("SELECT code, parent FROM icd WHERE parent IS NOT NULL ORDER BY code"):
            out.setdefault(str(parent), []).append(str(code))
        return {parent: tuple(codes) for parent, codes in out.items()}

    def billable_codes(self) -> list[IcdCode]:
        """Every billable code with its title and inclusion terms (the knowledge base for suggestion)."""
        rows = self._db.query(
            "SELECT code, title, billable, parent, kind, inclusion, excludes1, excludes2 FROM icd WHERE billable = 1"
        )
        return [
            IcdCode(
                str(c),
                str(t),
                True,
                str(p) if p else None,
                str(k),
                tuple(json.loads(str(i))),
                tuple(json.loads(str(e1))),
                tuple(json.loads(str(e2))),
            )
            for c, t, _, p, k, i, e1, e2 in rows
        ]

    def count(self, *, billable_only: bool = False) -> int:
        sql = "SELECT COUNT(*) FROM icd" + (" WHERE billable = 1" if billable_only else "")
        return int(str(self._db.query(sql)[0][0]))
