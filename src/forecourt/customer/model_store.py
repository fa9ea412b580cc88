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


_cached: _Cached | None = None


def active(session: Session) -> MatchModel:
    """The newest active trained model, or the default priors when none was trained yet."""
    global _cached  # noqa: PLW0603 - one model per process, shared by every request
    if _cached and time.monotonic() - _cached.checked_at < CACHE_SECONDS:
        return _cached.model
    stored = repository.active_model(session)
    model = MatchModel.from_json(stored.model_json) if stored else default_model()
    _cached = _Cached(model=model, checked_at=time.monotonic())
    return model


def forget() -> None:
    """Drop the cached model, so the next resolution reads the newest (after training, in tests)."""
    global _cached  # noqa: PLW0603
    _cached = None
