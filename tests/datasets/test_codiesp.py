"""CodiEsp reader: inline mini-corpus for the logic, the shared corpus for the published counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from configs.settings import get_settings
from datasets.readers.codiesp import CodiespFormatError, CodiespStats, read_codiesp


def _mini_corpus(root: Path) -> Path:
    split = root / "dev"
    (split / "text_files_en").mkdir(parents=True)
    (split / "text_files_en" / "doc-1.txt").write_text("Fever and cough.\nFracture of the femur.\n")
    (split / "text_files_en" / "doc-2.txt").write_text("No findings.\n")
    (split / "devD.tsv").write_text("doc-1\tr50.9\ndoc-1\ts72.001\ndoc-1\tr50.9\n")
    (split / "devP.tsv").write_text("doc-1\tbw03zzz\n")
    return root


def test_codiesp_reads_gold_normalised_and_keeps_truncated_codes(tmp_path: Path) -> None:
    stats = CodiespStats()
    encounters = list(read_codiesp(_mini_corpus(tmp_path), "dev", stats))
    assert [e.encounter_id for e in encounters] == ["doc-1", "doc-2"]
    first = encounters[0]
    assert first.gold is not None
    assert first.gold.icd10cm == ["R50.9", "S72.001"]  # 6-character injury code kept as given, duplicates dropped
    extras = first.model_extra or {}
    assert extras["icd10pcs"] == ["BW03ZZZ"]
    assert extras["codiesp_gold_rows"] == 3
    assert first.text.startswith("Fever and cough.")
    assert stats.documents == 2
    assert stats.diagnosis_rows == 3
    assert stats.documents_without_codes == ["doc-2"]


def test_codiesp_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    root = _mini_corpus(tmp_path)
    (root / "dev" / "devD.tsv").write_text("doc-1\tr50.9\ndoc-1 r50.9\n")
    with pytest.raises(CodiespFormatError, match=r"devD\.tsv:2: expected 'doc_id<TAB>code'"):
        list(read_codiesp(root, "dev"))


def test_codiesp_missing_split_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(CodiespFormatError, match="No CodiEsp text folder at"):
        list(read_codiesp(tmp_path, "train"))


@pytest.mark.shared_data
def test_codiesp_dev_has_published_counts() -> None:
    data_dir = get_settings().data_dir
    if data_dir is None or not (data_dir / "codiesp" / "dev").is_dir():
        pytest.skip("../shared/data/codiesp is not available")
    stats = CodiespStats()
    encounters = list(read_codiesp(data_dir / "codiesp", "dev", stats))
    assert len(encounters) == 250
    assert stats.diagnosis_rows == 2677
    assert all(e.gold is not None and e.gold.icd10cm for e in encounters)
