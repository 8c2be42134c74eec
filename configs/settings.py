"""Process-wide paths, read once from the environment (``MEDCODE_*``) and validated.

Training and model hyper-parameters are YAML files in this package, not environment variables; this object only
says where data, caches and artefacts live.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout (or the working directory) when it exists, else None."""
    for base in (Path.cwd(), REPO_ROOT):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    return None


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "medcode"


class Settings(BaseSettings):
    """Where medcode reads shared data and writes its caches and artefacts.

    Attributes:
        data_dir: folder with ``codiesp/``, ``mtsamples/`` and ``codesets/`` (``MEDCODE_DATA_DIR``).
        cache_dir: built indexes such as the code-set SQLite database (``MEDCODE_CACHE_DIR``).
        artifacts_dir: model bundles, MLflow store, reports (``MEDCODE_ARTIFACTS_DIR``).
    """

    model_config = SettingsConfigDict(env_prefix="MEDCODE_", extra="ignore")

    data_dir: Path | None = Field(default_factory=_default_data_dir)
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    artifacts_dir: Path = Field(default_factory=lambda: REPO_ROOT / "var")

    @property
    def codesets_source_dir(self) -> Path | None:
        """The folder of CMS code-set CSVs, when the data folder has one."""
        if self.data_dir is None:
            return None
        folder = self.data_dir / "codesets"
        return folder if folder.is_dir() else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once; tests call ``get_settings.cache_clear()`` after changing env)."""
    return Settings()
