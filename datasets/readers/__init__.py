"""Readers that turn external corpora into :class:`~datasets.schema.Encounter` records.

Sources: CodiEsp, MTSamples, MIMIC-IV and MIMIC-III, FHIR R4 (and a FHIR Bundle writer).

Each reader takes its source folder as an argument (never a hard-coded path) and fails loudly, naming the file and
line, on malformed input. Model code does not live here.
"""

from datasets.readers.codiesp import CodiespFormatError, CodiespStats, read_codiesp
from datasets.readers.fhir import encounter_to_fhir_bundle, read_fhir
from datasets.readers.mimic import MimicIiiFiles, MimicIvFiles, read_mimic_iii, read_mimic_iv
from datasets.readers.mtsamples import is_office_note, read_mtsamples

__all__ = ["CodiespFormatError", "CodiespStats", "read_codiesp"]
__all__ += ["encounter_to_fhir_bundle", "read_fhir"]
__all__ += ["MimicIiiFiles", "MimicIvFiles", "read_mimic_iii", "read_mimic_iv"]
__all__ += ["is_office_note", "read_mtsamples"]
