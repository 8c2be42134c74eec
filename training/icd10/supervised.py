"""TF-IDF + one-vs-rest logistic regression over codes seen in training, and its ONNX export.

The classifier reads a note's *affirmed* normalised words (``NoteAnalysis.affirmed_text``), so negated or family
mentions cannot raise a code's probability. ONNX export follows STACK.md: ``token_pattern=[a-zA-Z0-9_]{2,}``,
``sublinear_tf=False``, locale ``C.UTF-8``; the 1-vs-rest models are stacked into one MatMul + Sigmoid over the
n-grams present in the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from configs.icd10 import SupervisedSettings
from models.icd10.knowledge import KnowledgeIndex

TOKEN_PATTERN = r"[a-zA-Z0-9_]{2,}"
ONNX_OPSET = 17


@dataclass
class SupervisedModel:
    """The fitted vectoriser and classifier with the knowledge code index of each label."""

    vectorizer: TfidfVectorizer
    classifier: OneVsRestClassifier
    labels: list[int]

    def predict_proba(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Reference (scikit-learn) probabilities, one column per label."""
        return np.asarray(self.classifier.predict_proba(self.vectorizer.transform(texts)), dtype=np.float32)

    def weights(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Stacked ``(n_features, n_labels)`` coefficients and ``(n_labels,)`` intercepts."""
        coef = np.vstack([e.coef_[0] for e in self.classifier.estimators_]).T.astype(np.float32)
        intercept = np.asarray([e.intercept_[0] for e in self.classifier.estimators_], dtype=np.float32)
        return coef, intercept

    def top_words(self, kb: KnowledgeIndex, k: int = 15, max_doc_share: float = 0.5) -> list[frozenset[int]]:
        """Per label, the knowledge word ids of its strongest n-grams: the ``k`` largest positive coefficients
        within a quarter of the label's best, skipping terms in more than ``max_doc_share`` of the notes
        (words such as "patient" support every label and would count as evidence for all of them)."""
        coef, _ = self.weights()
        terms = self.vectorizer.get_feature_names_out()
        n_docs = self._n_docs()
        common = np.asarray(self.vectorizer.idf_) < np.log((1 + n_docs) / (1 + max_doc_share * n_docs)) + 1
        common_words = {str(t) for t, c in zip(terms, common, strict=True) if c and " " not in str(t)}
        out: list[frozenset[int]] = []
        for j in range(coef.shape[1]):
            words: set[int] = set()
            best = float(coef[:, j].max())
            for f in np.argsort(-coef[:, j], kind="stable")[:k].tolist():
                if coef[f, j] <= 0 or coef[f, j] < 0.25 * best:
                    break
                if common[f]:
                    continue
                words.update(kb.word_id[w] for w in str(terms[f]).split() if w in kb.word_id and w not in common_words)
            out.append(frozenset(words))
        return out

    def _n_docs(self) -> int:
        """Documents the IDF was computed on (recovered from the smallest IDF's bound: df <= n)."""
        return int(self.vectorizer.n_docs_)


def fit_vectorizer(texts: Sequence[str], settings: SupervisedSettings) -> TfidfVectorizer:
    """TF-IDF vocabulary and IDF from training (and unlabelled background) notes."""
    vectorizer = TfidfVectorizer(
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, settings.ngram_max),
        min_df=settings.min_df,
        max_features=settings.max_features,
        sublinear_tf=False,
        lowercase=True,
        dtype=np.float32,
    )
    vectorizer.fit(list(texts))
    vectorizer.n_docs_ = len(texts)  # kept for evidence-word selection (document share of each term)
    return vectorizer


def fit_supervised(
    vectorizer: TfidfVectorizer, texts: Sequence[str], golds: Sequence[set[int]], settings: SupervisedSettings
) -> SupervisedModel:
    """One logistic regression per code with at least ``labels_min_docs`` training notes."""
    counts: dict[int, int] = {}
    for gold in golds:
        for code in gold:
            counts[code] = counts.get(code, 0) + 1
    labels = sorted(c for c, n in counts.items() if n >= settings.labels_min_docs)
    column = {c: j for j, c in enumerate(labels)}
    # int64 on purpose: scikit-learn 1.9's OneVsRestClassifier silently misaligns an int8 indicator matrix with many
    # columns (every estimator then learns noise); a regression test guards this.
    y = np.zeros((len(golds), len(labels)), dtype=np.int64)
    for i, gold in enumerate(golds):
        for code in gold:
            if code in column:
                y[i, column[code]] = 1
    classifier = OneVsRestClassifier(LogisticRegression(C=settings.C, solver="liblinear", max_iter=200))
    classifier.fit(vectorizer.transform(list(texts)), y)
    return SupervisedModel(vectorizer, classifier, labels)


def supervised_to_onnx(model: SupervisedModel) -> onnx.ModelProto:
    """One graph: string input ``text`` [N, 1] -> TF-IDF -> MatMul -> Add -> Sigmoid -> ``probabilities`` [N, L].

    A note holds a few hundred of the ~20k n-grams, so the MatMul reads only the coefficient rows of the n-grams
    present in the batch (NonZero + Gather): multiplying the full TF-IDF row reads the whole 60 MB coefficient
    matrix per note, ~90% of the classifier's CPU. The skipped terms are exact zeros, so only the summation order
    changes (probabilities within ~1e-6).
    """
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import StringTensorType

    tfidf = convert_sklearn(
        model.vectorizer,
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(model.vectorizer): {"locale": "C.UTF-8"}},
        target_opset=ONNX_OPSET,
    )
    graph = tfidf.graph
    features = graph.output[0].name
    coef, intercept = model.weights()
    graph.initializer.extend(
        [
            numpy_helper.from_array(coef, "sup_coef"),
            numpy_helper.from_array(intercept, "sup_b"),
            numpy_helper.from_array(np.asarray([0], dtype=np.int64), "sup_axis0"),
        ]
    )
    graph.node.extend(
        [
            helper.make_node("Abs", [features], ["sup_abs"]),
            helper.make_node("ReduceMax", ["sup_abs"], ["sup_any"], axes=[0], keepdims=0),
            helper.make_node("NonZero", ["sup_any"], ["sup_present_2d"]),
            helper.make_node("Squeeze", ["sup_present_2d", "sup_axis0"], ["sup_present"]),
            helper.make_node("Gather", [features, "sup_present"], ["sup_x"], axis=1),
            helper.make_node("Gather", ["sup_coef", "sup_present"], ["sup_w"], axis=0),
            helper.make_node("MatMul", ["sup_x", "sup_w"], ["sup_logits_raw"]),
            helper.make_node("Add", ["sup_logits_raw", "sup_b"], ["sup_logits"]),
            helper.make_node("Sigmoid", ["sup_logits"], ["probabilities"]),
        ]
    )
    del graph.output[:]
    graph.output.extend([helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, coef.shape[1]])])
    onnx.checker.check_model(tfidf)
    return tfidf
