"""Errors of the code-set layer; codes ``CS0xx`` are stable so an ops log line can be searched for."""

from __future__ import annotations


class UnknownCodeError(KeyError):
    """CS001: a ``get_*`` lookup found no such code in the named code set and version."""

    def __init__(self, code: str, *, system: str, version: str) -> None:
        self.code, self.system, self.version = code, system, version
        super().__init__(
            f"CS001 {code} is not in {system} {version}. Check the code, or use find_* to probe without raising."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class CodeSetUnavailableError(FileNotFoundError):
    """CS002: the CMS tables are not available on this machine."""

    def __init__(self, table: str, searched: list[str]) -> None:
        where = ", ".join(searched) if searched else "no folder configured"
        super().__init__(
            f"CS002 The CMS table {table} is not available (looked in: {where}). Set MEDCODE_DATA_DIR to a folder "
            f"with codesets/, or run `medcode codesets refresh --from DIR` with the CMS files."
        )


class CodeSetFileError(ValueError):
    """CS003: a code-set source file is malformed; names the file, line and column."""

    def __init__(self, path: str, line: int, column: str, problem: str) -> None:
        super().__init__(
            f"CS003 {path}:{line} column {column!r}: {problem}. Fix or replace the file and run "
            f"`medcode codesets refresh --from DIR` again."
        )


class UnknownTableError(ValueError):
    """CS004: a file given to refresh matches no known table layout."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f"CS004 {name} matches no known code-set file name. Expected one of: {', '.join(known)} "
            f"(see datasets/codesets/README.md for the layouts)."
        )
