"""Readers that turn external corpora into :class:`~datasets.schema.Encounter` records (CodiEsp, ...).

Each reader takes its source folder as an argument (never a hard-coded path) and fails loudly, naming the file and
line, on malformed input. Model code does not live here.
"""

from datasets.readers.codiesp import CodiespFormatError, CodiespStats, read_codiesp

__all__ = ["CodiespFormatError", "CodiespStats", "read_codiesp"]
