"""``medcode train --task icd10``: gather labelled data, check it for PHI, fit, export, evaluate, log to MLflow.

Data: CodiEsp ``train`` (plus ``dev`` for the final model unless ``--eval-split dev`` holds it out) when the shared
data folder has it, the unlabelled CodiEsp background notes for TF-IDF statistics, and any encounter files passed
with ``--data`` (synthetic encounters, coder feedback) that carry ``gold.icd10cm``.
"""

from __future__ import annotations

import logging
import pickle
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from configs.icd10 import Icd10Config
from configs.settings import get_settings
from datasets.codesets import CodeSets
from datasets.io import read_encounters
from datasets.readers.codiesp import read_codiesp
from datasets.schema import Encounter
from evaluation.icd10 import evaluate_baseline, evaluate_suggester
from models.icd10.suggester import Icd10Suggester
from training.icd10.baseline import fit_baseline, write_baseline
from training.icd10.export import data_fingerprint, write_bundle
from training.icd10.fit import FittedIcd10, fit_icd10
from training.tracking import flatten, log_training, mlflow_run

log = logging.getLogger(__name__)
REFERENCE_FILE = "reference.pkl"
REGISTERED_NAME = "medcode-icd10"


def dense_cache_dir() -> Path:
    """Where the exported sentence encoder and the code-title embeddings are cached between trainings."""
    return get_settings().cache_dir / "icd10_dense"


class TrainingDataError(ValueError):
    """No usable labelled data; the message says how to provide some."""


@dataclass
class TrainResult:
    """What a training run produced."""

    bundle_dir: Path
    bundle_id: str
    metrics: dict[str, float]
    run_id: str | None = None
    model_uri: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    n_train: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "bundle_dir": str(self.bundle_dir),
            "bundle_id": self.bundle_id,
            "mlflow_run_id": self.run_id,
            "model_uri": self.model_uri,
            "n_train": self.n_train,
            "metrics": self.metrics,
            "timings": self.timings,
        }


def _labelled(encounters: Sequence[Encounter]) -> list[Encounter]:
    return [e for e in encounters if e.gold is not None and e.gold.icd10cm]


def gather_data(
    eval_split: str | None, data_files: Sequence[Path], eval_files: Sequence[Path], include_codiesp: bool = True
) -> tuple[list[Encounter], list[str], list[Encounter], dict[str, Any]]:
    """Training encounters, background texts, evaluation encounters and a description of the sources."""
    settings = get_settings()
    root = settings.data_dir / "codiesp" if settings.data_dir and include_codiesp else None
    train: list[Encounter] = []
    evaluation: list[Encounter] = []
    background: list[str] = []
    sources: dict[str, Any] = {}
    if root is not None and (root / "train").is_dir():
        train += list(read_codiesp(root, "train"))
        sources["codiesp_train"] = len(train)
        if eval_split is None and (root / "dev").is_dir():
            dev = list(read_codiesp(root, "dev"))
            train += dev
            sources["codiesp_dev"] = len(dev)
        if (root / "background").is_dir():
            background = [e.text for e in read_codiesp(root, "background")]
            sources["codiesp_background_unlabelled"] = len(background)
        if eval_split is not None:
            if not (root / eval_split).is_dir():
                raise TrainingDataError(f"No CodiEsp split {eval_split!r} under {root}; use --eval-split dev.")
            evaluation = list(read_codiesp(root, eval_split))  # type: ignore[arg-type]
            sources[f"eval_codiesp_{eval_split}"] = len(evaluation)
    elif eval_split is not None:
        raise TrainingDataError(
            f"--eval-split {eval_split} needs the CodiEsp corpus, which is not under {settings.data_dir}; "
            "set MEDCODE_DATA_DIR or evaluate with --eval-data FILE."
        )
    for path in data_files:
        extra = _labelled(list(read_encounters(path)))
        train += extra
        sources[f"file:{path.name}"] = len(extra)
    for path in eval_files:
        extra = _labelled(list(read_encounters(path)))
        evaluation += extra
        sources[f"eval_file:{path.name}"] = len(extra)
    train = _labelled(train)
    if not train:
        raise TrainingDataError(
            "No labelled ICD-10-CM training data: set MEDCODE_DATA_DIR to a folder with codiesp/, or pass "
            "--data FILE.jsonl (e.g. from `medcode synth --n 2000 --out synth.jsonl`)."
        )
    return train, background, evaluation, sources


def check_phi(encounters: Sequence[Encounter], allow_phi: bool) -> dict[str, Any]:
    """Run the PHI guard over the training notes; raises when they look identifiable (unless ``allow_phi``)."""
    from datasets.phi import check_training_data

    summary = check_training_data(encounters, allow_phi=allow_phi)
    return {"phi_records": summary.records, "phi_rate": summary.rate}


def train_icd10(
    config: Icd10Config,
    *,
    eval_split: str | None = None,
    data_files: Sequence[Path] = (),
    eval_files: Sequence[Path] = (),
    include_codiesp: bool = True,
    allow_phi: bool = False,
    skip_phi_check: bool = False,
    out_dir: Path | None = None,
    tracking: bool = True,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] = log.info,
) -> TrainResult:
    """Train, export, evaluate and (optionally) log the ICD-10-CM suggester. See the module docstring."""
    started, started_cpu = time.perf_counter(), time.process_time()
    train, background, evaluation, sources = gather_data(eval_split, data_files, eval_files, include_codiesp)
    progress(f"training on {len(train)} labelled encounters ({sources})")
    phi: dict[str, Any] = {"phi_check": "skipped"}
    if not skip_phi_check:
        t = time.perf_counter()
        phi = check_phi(train, allow_phi)
        phi["phi_check_s"] = round(time.perf_counter() - t, 1)
        progress(f"PHI guard: {phi}")
    icd = CodeSets.from_settings().icd10cm
    # BLAS, OpenMP and the encoder on one thread: on a shared machine each of the many small per-note matrix
    # products (and each boosting iteration) otherwise waits for a second thread that other jobs keep off the CPU.
    # Measured at load 8: 200 notes' title scoring took 6.6 s wall / 1.6 s CPU on two threads, 0.6 s / 0.1 s on one.
    with threadpool_limits(1):
        fitted = fit_icd10(
            train, icd, config, background_texts=background, dense_cache=dense_cache_dir(), progress=progress
        )
    baseline, baseline_codes, baseline_threshold = fit_baseline(
        train, config.supervised, seed=config.cross_validation.seed
    )
    fingerprint = data_fingerprint(train)
    staging = (out_dir or get_settings().artifacts_dir / "models" / "icd10") / f"staging-{fingerprint[:8]}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    extra = write_baseline(staging, baseline, baseline_codes, baseline_threshold)
    cv_metrics = {f"cv_{k}": v for k, v in fitted.cv_metrics.items()}
    bundle = write_bundle(
        fitted,
        config,
        staging,
        fingerprint=fingerprint,
        metrics=cv_metrics,
        training_data={**sources, **phi},
        extra_files=tuple(extra),
    )
    _write_reference(staging, fitted)
    final_dir = staging.parent / bundle.bundle_id
    if final_dir.exists():
        shutil.rmtree(final_dir)
    staging.rename(final_dir)
    metrics: dict[str, float] = dict(cv_metrics)
    evaluated, evaluated_cpu = time.perf_counter(), time.process_time()
    if evaluation:
        suggester = Icd10Suggester.load(final_dir)
        name = eval_split or "eval"
        with threadpool_limits(1):  # one note at a time, as in fitting above
            metrics.update({f"{name}_{k}": v for k, v in evaluate_suggester(suggester, evaluation).items()})
            metrics.update({f"{name}_baseline_{k}": v for k, v in evaluate_baseline(final_dir, evaluation).items()})
    timings = {
        **fitted.timings,
        "evaluate_s": time.perf_counter() - evaluated,
        "evaluate_cpu_s": time.process_time() - evaluated_cpu,
        "train_total_s": time.perf_counter() - started,
        "train_total_cpu_s": time.process_time() - started_cpu,
    }
    result = TrainResult(final_dir, bundle.bundle_id, metrics, timings=timings, n_train=len(train))
    if tracking:
        with mlflow_run("medcode-icd10", run_name=f"icd10-{bundle.bundle_id}", tracking_uri=tracking_uri):
            params = flatten("", config.model_dump())
            params.update({f"data.{k}": v for k, v in sources.items()})
            result.run_id, result.model_uri = log_training(
                params,
                {**metrics, **{f"time_{k}": v for k, v in timings.items()}},
                {
                    "task": "icd10",
                    "bundle_id": bundle.bundle_id,
                    "data_fingerprint": fingerprint,
                    "eval_split": eval_split or "none",
                },
                final_dir,
                REGISTERED_NAME,
            )
    return result


def _write_reference(folder: Path, fitted: FittedIcd10) -> None:
    """The scikit-learn estimators beside the bundle, for parity tests and the speed benchmark (never served)."""
    with (folder / REFERENCE_FILE).open("wb") as handle:
        pickle.dump({"supervised": fitted.supervised, "ranker": fitted.ranker}, handle)


def load_reference(folder: Path) -> dict[str, Any]:
    """The reference estimators written by :func:`train_icd10` (trusted local files only: it is a pickle)."""
    path = folder / REFERENCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"No {REFERENCE_FILE} in {folder}; retrain with `medcode train --task icd10`.")
    with path.open("rb") as handle:
        loaded: dict[str, Any] = pickle.load(handle)
    return loaded
