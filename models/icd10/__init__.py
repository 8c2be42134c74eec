"""ICD-10-CM suggestion: knowledge matching, assertion, features, ranking, calibration, routing (serve-time code).

Lives here: everything :class:`Icd10Suggester` runs at serve time, with numpy, ONNX Runtime and the code sets only.
Does not live here: fitting or exporting (``training/icd10``), torch or scikit-learn imports.
"""

from models.icd10.core import CodeSuggestion, Evidence
from models.icd10.suggester import Icd10Suggester

__all__ = ["CodeSuggestion", "Evidence", "Icd10Suggester"]
