"""The active identity-resolution model: stored and versioned in the database, cached per process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from forecourt.customer import repository
from forecourt.customer.matching.model import MatchModel, default_model

CACHE_SECONDS = (
    30.0  # how long a process keeps scoring with a model before checking for a newer one
)


@dataclass
class _Cached:
    model: MatchModel
    checked_at: float


_cache: dict[str, _Cached] = {}


def active(session: Session) -> MatchModel:
    """The newest active trained model, or the default priors when none was trained yet."""
    cached = _cache.get("active")
    if cached and time.monotonic() - cached.checked_at < CACHE_SECONDS:
        return cached.model
    stored = repository.active_model(session)
    model = MatchModel.from_json(stored.model_json) if stored else default_model()
    _cache["active"] = _Cached(model=model, checked_at=time.monotonic())
    return model


def forget() -> None:
    """Drop the cached model, so the next resolution reads the newest (after training, in tests)."""
    _cache.clear()
