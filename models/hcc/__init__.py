"""HCC capture: which documented conditions map to CMS-HCC V28/V24 payment HCCs, with MEAT evidence and RAF effect.

Lives here: the condition-term table, the MEAT finder, the mapper that asks the code-set layer
(:mod:`datasets.codesets.hcc`, which delegates to hccinfhir) for HCCs, hierarchies and RAF. Does not live here:
the HCC model itself (never re-implemented) or ICD-10-CM suggestion (``models/icd10``).
"""

from models.hcc.mapper import HccAnalysis, HccMapper, HccRecord
from models.hcc.meat import ConditionSupport, find_support

__all__ = ["ConditionSupport", "HccAnalysis", "HccMapper", "HccRecord", "find_support"]
