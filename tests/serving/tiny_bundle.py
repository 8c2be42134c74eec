"""A tiny but real ICD-10-CM model for the service tests: TF-IDF + one-vs-rest logistic regression trained on
templated notes, exported with skl2onnx as a ``medcode.onnx_text_classifier.v1`` bundle.

Only the tests (and the load benchmark when no real bundle is given) import this; it needs scikit-learn and
skl2onnx, which the serving path never imports.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np

# code -> phrases a note uses for it (ICD-10-CM FY2026 codes; I50.9 and N18.30 map to CMS-HCC V28 categories).
CONDITIONS: dict[str, list[str]] = {
    "E11.9": ["type 2 diabetes mellitus", "diabetes type 2 on metformin", "T2DM, A1c 7.4"],
    "I10": ["essential hypertension", "hypertension, blood pressure 150/95", "high blood pressure on lisinopril"],
    "J45.909": ["asthma with wheezing", "asthma, uses albuterol inhaler", "mild persistent asthma"],
    "E78.5": ["hyperlipidemia", "high cholesterol on atorvastatin", "elevated LDL, hyperlipidemia"],
    "I50.9": ["congestive heart failure", "heart failure with edema", "CHF, on furosemide"],
    "N18.30": ["chronic kidney disease stage 3", "CKD stage 3, eGFR 45", "stage 3 chronic kidney disease"],
    "M54.50": ["low back pain", "lumbar back pain after lifting", "acute low back pain"],
    "F32.A": ["depression", "depressed mood, started sertraline", "depression, PHQ-9 of 12"],
}
FILLER = [
    "Patient seen in clinic today for follow up.",
    "Vital signs reviewed.",
    "No acute distress.",
    "Reviewed medications and allergies.",
    "Plan discussed with the patient who agrees.",
    "Return in three months.",
    "Labs ordered.",
    "Lungs clear, heart regular.",
]


def make_note(rng: random.Random, codes: list[str], words: int = 0) -> str:
    """A templated note mentioning ``codes``; padded with filler sentences to about ``words`` words."""
    sentences = [f"Assessment: {rng.choice(CONDITIONS[c])}." for c in codes]
    sentences += rng.sample(FILLER, 3)
    rng.shuffle(sentences)
    text = " ".join(sentences)
    while len(text.split()) < words:
        text += " " + rng.choice(FILLER)
    return text


def training_set(n: int = 240, seed: int = 7) -> tuple[list[str], list[list[str]]]:
    """``n`` notes with one to three conditions each."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        codes = rng.sample(sorted(CONDITIONS), rng.randint(1, 3))
        texts.append(make_note(rng, codes))
        labels.append(codes)
    return texts, labels


def build_bundle(folder: Path, seed: int = 7) -> Path:
    """Train and export the bundle into ``folder`` (created); returns it."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import StringTensorType
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    texts, labels = training_set(seed=seed)
    binarizer = MultiLabelBinarizer()
    y = binarizer.fit_transform(labels)
    tfidf = TfidfVectorizer(token_pattern=r"[a-zA-Z0-9_]{2,}", sublinear_tf=False, lowercase=True)
    classifier = OneVsRestClassifier(LogisticRegression(C=20.0, max_iter=500))
    pipeline = Pipeline([("tfidf", tfidf), ("clf", classifier)]).fit(texts, y)
    onnx_model = to_onnx(
        pipeline,
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(tfidf): {"locale": "C.UTF-8"}, id(classifier): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    folder.mkdir(parents=True, exist_ok=True)
    model_bytes = onnx_model.SerializeToString()
    (folder / "model.onnx").write_bytes(model_bytes)
    vocabulary = np.array(tfidf.get_feature_names_out())
    evidence = {}
    for label, estimator in zip(binarizer.classes_, classifier.estimators_, strict=True):
        top = np.argsort(-estimator.coef_[0])[:6]
        evidence[str(label)] = [str(w) for w in vocabulary[top] if len(w) > 2]
    manifest = {
        "format": "medcode.onnx_text_classifier.v1",
        "bundle_id": f"tiny-icd10-{hashlib.sha256(model_bytes).hexdigest()[:10]}",
        "task": "icd10",
        "system": "ICD10CM",
        "labels": [str(c) for c in binarizer.classes_],
        "evidence_terms": evidence,
        "thresholds": {"auto": 0.9},
        "codeset_versions": {"icd10cm": "FY2026"},
        "training_data": {"kind": "templated test notes", "n": len(texts), "seed": seed},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


if __name__ == "__main__":  # pragma: no cover - manual use: python -m tests.serving.tiny_bundle OUT
    import sys

    print(build_bundle(Path(sys.argv[1])))
