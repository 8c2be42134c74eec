"""Code sets: ICD-10-CM, CMS-HCC, NCCI (PTP, MUE, add-on), HCPCS II, RBCS, fee schedule, modifiers.

Lives here: versioned lookups with dates of service, the on-disk indexes, and ingestion of CMS files.
Does not live here: coding logic that uses the tables (that is ``models/``). No CPT descriptors, ever.
"""

from datasets.codesets.cms import (
    PTP_BYPASS_MODIFIERS,
    AddonEdit,
    CmsTables,
    FeeScheduleRecord,
    HcpcsRecord,
    MueEdit,
    PtpEdit,
    RbcsRecord,
)
from datasets.codesets.errors import (
    CodeSetFileError,
    CodeSetUnavailableError,
    UnknownCodeError,
    UnknownTableError,
)
from datasets.codesets.hcc import HccModel, RafScore, hcc_label_code
from datasets.codesets.icd10cm import Icd10cm, IcdCode
from datasets.codesets.registry import CodeSets, TableInfo, refresh_from, refreshed_dir

__all__ = [
    "PTP_BYPASS_MODIFIERS",
    "AddonEdit",
    "CmsTables",
    "CodeSetFileError",
    "CodeSetUnavailableError",
    "CodeSets",
    "FeeScheduleRecord",
    "HccModel",
    "HcpcsRecord",
    "Icd10cm",
    "IcdCode",
    "MueEdit",
    "PtpEdit",
    "RafScore",
    "RbcsRecord",
    "TableInfo",
    "UnknownCodeError",
    "UnknownTableError",
    "hcc_label_code",
    "refresh_from",
    "refreshed_dir",
]
