"""The serving ICD-10-CM suggester: a model bundle executed with ONNX Runtime and numpy (no torch, no scikit-learn).

    suggester = Icd10Suggester.load("var/models/icd10/<bundle_id>")
    for s in suggester.suggest(encounter):
        print(s.code, s.probability, s.tier, s.evidence.quote)

Bundle files (written by ``training/icd10/export.py``): ``supervised.onnx`` (TF-IDF + logistic regression, string
input ``text`` [N, 1]), ``ranker.onnx`` (gradient-boosted trees over :data:`~models.icd10.features.FEATURE_NAMES`),
``knowledge.npz``/``knowledge.json`` (phrase index), ``tables.npz`` (priors, label tables), ``titles.json``,
``calibration.json``, and for dense retrieval ``query_pieces.npy`` + ``encoder_tokenizer.json`` (the static
sentence encoder fitted to MiniLM) and ``title_embeddings.npy`` (MiniLM, float16, one row per code) with
``title_clusters.npz`` (their k-means index).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from configs.icd10 import CandidateSettings, DenseSettings
from datasets.schema import Encounter
from models.bundle import ModelBundle, load_bundle
from models.icd10.calibration import IsotonicCalibrator
from models.icd10.core import CodeSuggestion, Icd10Core, Icd10Tables
from models.icd10.dense import (
    DENSE_FILES,
    QUERY_PIECES_FILE,
    TITLE_CLUSTERS_FILE,
    TITLE_EMBEDDINGS_FILE,
    TOKENIZER_FILE,
    PieceEncoder,
    TitleIndex,
)
from models.icd10.features import Priors
from models.icd10.knowledge import KnowledgeIndex

BUNDLE_FORMAT = "medcode.icd10_suggester.v1"
TASK = "icd10"
SYSTEM = "ICD10CM"
SUPERVISED_FILE = "supervised.onnx"
RANKER_FILE = "ranker.onnx"
TABLES_FILE = "tables.npz"
TITLES_FILE = "titles.json"
CALIBRATION_FILE = "calibration.json"
KNOWLEDGE_FILES = ("knowledge.npz", "knowledge.json")
BUNDLE_FILES = (
    SUPERVISED_FILE,
    RANKER_FILE,
    TABLES_FILE,
    TITLES_FILE,
    CALIBRATION_FILE,
    *KNOWLEDGE_FILES,
    *DENSE_FILES,
)


def read_tables(folder: Path) -> Icd10Tables:
    """The numpy tables of a bundle folder."""
    kb = KnowledgeIndex.load(folder)
    arrays = np.load(folder / TABLES_FILE)
    ptr, ids = arrays["sup_top_ptr"], arrays["sup_top_ids"]
    top_words = [frozenset(ids[ptr[j] : ptr[j + 1]].tolist()) for j in range(len(ptr) - 1)]
    priors = Priors(
        arrays["gold_docs"],
        arrays["category_docs"],
        arrays["matched_docs"],
        arrays["matched_gold_docs"],
        arrays["phrase_matched"],
        arrays["phrase_gold"],
        int(arrays["n_docs"]),
    )
    titles = json.loads((folder / TITLES_FILE).read_text(encoding="utf-8"))
    clusters = np.load(folder / TITLE_CLUSTERS_FILE)
    title_index = TitleIndex.from_clusters(
        np.load(folder / TITLE_EMBEDDINGS_FILE).astype(np.float32), clusters["centroids"], clusters["cluster_of"]
    )
    return Icd10Tables(
        kb,
        titles,
        arrays["sup_code_index"],
        top_words,
        priors,
        arrays["code_info"],
        arrays["category_of"],
        title_index,
    )


def read_query_encoder(folder: Path, dense: DenseSettings) -> PieceEncoder:
    """The sentence encoder of a bundle folder (its word-piece table and tokenizer)."""
    pieces = np.load(folder / QUERY_PIECES_FILE).astype(np.float32)
    return PieceEncoder(pieces, folder / TOKENIZER_FILE, dense.max_tokens)


def write_tables(folder: Path, tables: Icd10Tables) -> None:
    """Write the numpy tables (the inverse of :func:`read_tables`, knowledge index included; the title embeddings
    are stored as float16, which is what the fitted tables already hold)."""
    tables.kb.save(folder)
    lengths = [len(w) for w in tables.sup_top_words]
    ptr = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=ptr[1:])
    ids = np.asarray([w for words in tables.sup_top_words for w in sorted(words)], np.int32)
    p = tables.priors
    np.savez_compressed(
        folder / TABLES_FILE,
        sup_code_index=tables.sup_code_index,
        sup_top_ptr=ptr,
        sup_top_ids=ids,
        gold_docs=p.gold_docs,
        category_docs=p.category_docs,
        matched_docs=p.matched_docs,
        matched_gold_docs=p.matched_gold_docs,
        phrase_matched=p.phrase_matched,
        phrase_gold=p.phrase_gold,
        n_docs=np.asarray(p.n_docs),
        code_info=tables.code_info,
        category_of=tables.category_of,
    )
    (folder / TITLES_FILE).write_text(json.dumps(list(tables.titles)), encoding="utf-8")
    index = tables.title_index
    np.save(folder / TITLE_EMBEDDINGS_FILE, index.embeddings.astype(np.float16))
    np.savez(folder / TITLE_CLUSTERS_FILE, centroids=index.centroids, cluster_of=index.cluster_of)


class Icd10Suggester:
    """ICD-10-CM suggestions from a bundle through ONNX Runtime.

    Args:
        bundle: a checked bundle (see :func:`models.bundle.load_bundle`).
        threads: ONNX Runtime intra-op threads per session.
    """

    def __init__(self, bundle: ModelBundle, threads: int = 1) -> None:
        import onnxruntime as ort

        self.bundle = bundle
        manifest = bundle.manifest
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        self._supervised = ort.InferenceSession(str(bundle.file(SUPERVISED_FILE)), options, providers=providers)
        self._ranker = ort.InferenceSession(str(bundle.file(RANKER_FILE)), options, providers=providers)
        calibration = json.loads(bundle.file(CALIBRATION_FILE).read_text(encoding="utf-8"))
        # A bundle from before dense retrieval, its cluster index or the piece encoder lacks one of these files:
        # BND003 names the first missing one and says to retrain.
        for name in DENSE_FILES:
            bundle.file(name)
        settings = manifest["settings"]
        dense = DenseSettings.model_validate(settings["dense"])
        self._encoder = read_query_encoder(bundle.path, dense)
        thresholds = bundle.thresholds
        self.core = Icd10Core(
            read_tables(bundle.path),
            self._run_supervised,
            self._encoder,
            self._run_ranker,
            IsotonicCalibrator.from_dict(calibration),
            CandidateSettings.model_validate(settings["candidates"]),
            dense,
            thresholds["decision"],
            thresholds["auto"],
            int(settings["max_suggestions"]),
        )

    @classmethod
    def load(cls, path: str | Path, threads: int = 1, codeset_versions: dict[str, str] | None = None) -> Icd10Suggester:
        """Check and open a bundle folder (fails before serving on any problem, G9)."""
        bundle = load_bundle(path, task=TASK, expected_format=BUNDLE_FORMAT, codeset_versions=codeset_versions)
        return cls(bundle, threads=threads)

    @property
    def bundle_id(self) -> str:
        return self.bundle.bundle_id

    @property
    def thresholds(self) -> dict[str, float]:
        return self.bundle.thresholds

    def _run_supervised(self, texts: list[str]) -> npt.NDArray[np.float32]:
        feed = np.asarray(texts, dtype=object).reshape(-1, 1)
        out: Any = self._supervised.run(["probabilities"], {"text": feed})[0]
        return np.asarray(out, dtype=np.float32)

    def _run_ranker(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out: Any = self._ranker.run(["probability"], {"features": features})[0]
        return np.asarray(out, dtype=np.float32)[:, 0]

    def suggest_text(self, text: str) -> list[CodeSuggestion]:
        """Ranked suggestions for a note's text."""
        return self.core.suggest_text(text)

    def suggest(self, encounter: Encounter) -> list[CodeSuggestion]:
        """Ranked suggestions for an encounter; only ``text`` is read (labels are never looked at)."""
        return self.core.suggest_text(encounter.text)
