"""MLflow tracking and registry for training runs (embedded SQLite store by default).

Default tracking URI: ``sqlite:///<artifacts_dir>/mlflow.db`` with artefacts under ``<artifacts_dir>/mlruns``;
``MLFLOW_TRACKING_URI`` overrides it. Only parameters, metrics, fingerprints and bundle files are logged: never note
text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from configs.settings import get_settings

log = logging.getLogger(__name__)


def default_tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{get_settings().artifacts_dir / 'mlflow.db'}"


def flatten(prefix: str, value: Any) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (MLflow parameters are flat)."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(f"{prefix}.{key}" if prefix else str(key), inner))
        return out
    return {prefix: value}


@contextmanager
def mlflow_run(experiment: str, run_name: str, tracking_uri: str | None = None) -> Iterator[Any]:
    """Start a run in ``experiment`` (created when missing) on the given or default tracking store."""
    import mlflow

    uri = tracking_uri or default_tracking_uri()
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    artifacts = get_settings().artifacts_dir / "mlruns"
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=artifacts.resolve().as_uri())
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        yield run


def log_training(
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    bundle_dir: Path,
    registered_name: str,
) -> tuple[str, str]:
    """Log to the active run, upload the bundle under ``bundle/`` and register it; returns (run id, model URI)."""
    import mlflow
    from mlflow.tracking import MlflowClient

    run = mlflow.active_run()
    if run is None:
        raise RuntimeError("log_training needs an active MLflow run; wrap it in mlflow_run(...).")
    mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
    mlflow.set_tags(dict(tags))
    mlflow.log_artifacts(str(bundle_dir), artifact_path="bundle")
    client = MlflowClient()
    try:
        client.get_registered_model(registered_name)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(registered_name, description="medcode ICD-10-CM suggester bundles")
    source = f"{run.info.artifact_uri}/bundle"
    version = client.create_model_version(registered_name, source=source, run_id=run.info.run_id)
    return run.info.run_id, f"models:/{registered_name}/{version.version}"
