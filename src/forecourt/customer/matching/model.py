"""The trained Fellegi–Sunter model: prior, m/u per level, term frequencies, version.

Weights are in bits: a level's weight is log2(m/u); the prior weight is log2(λ/(1-λ)), where λ
is the probability that two records drawn at random are the same person (as in Splink, so the
weights of the fields used for blocking are counted, not assumed). A term-frequency level uses
log2(m / tf(value)) instead, with tf floored (a value unseen in training is treated as rare, not
as unique) and the weight kept ≥ 0 (agreeing on a value is never evidence against a match);
for identifiers (`tf_raise` False) the frequency may only lower the weight.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from forecourt.customer.matching.comparisons import PERSON_COMPARISONS

#: Probabilities are clamped so that no single level can weigh ±∞.
P_MIN = 1e-9
P_MAX = 1.0 - 1e-6


def clamp(p: float) -> float:
    """Keep a probability inside [P_MIN, P_MAX]."""
    return min(max(p, P_MIN), P_MAX)


@dataclass(frozen=True, slots=True)
class ComparisonParams:
    """m and u for each non-null level of one comparison, and its term-frequency table."""

    name: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]
    tf_levels: tuple[int, ...] = ()
    tf: Mapping[str, float] = field(default_factory=dict)
    tf_floor: float = 1e-6
    tf_raise: bool = True

    def weight(self, level: int) -> float:
        """log2(m/u) of a level (0 for the null level)."""
        if level < 0:
            return 0.0
        return math.log2(clamp(self.m[level]) / clamp(self.u[level]))

    def tf_of(self, value: str | None) -> float:
        """The relative frequency of a value, floored; unseen values get the floor."""
        if value is None:
            return 1.0
        return max(self.tf.get(value, self.tf_floor), self.tf_floor)


@dataclass(frozen=True, slots=True)
class TrainingInfo:
    """How a model was estimated: data sizes, EM iterations, timing."""

    records: int
    pairs: int
    random_pairs: int
    iterations: int
    seconds: float
    sessions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchModel:
    """A versioned, immutable Fellegi–Sunter model; `weights` are precomputed for speed."""

    prior: float
    comparisons: tuple[ComparisonParams, ...]
    version: str
    training: TrainingInfo | None = None
    prior_weight: float = field(init=False, repr=False, compare=False)
    weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)
    log2_m: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Precompute level weights so that scoring is table lookups and additions."""
        p = clamp(self.prior)
        object.__setattr__(self, "prior_weight", math.log2(p / (1.0 - p)))
        weights = tuple(tuple(c.weight(i) for i in range(len(c.levels))) for c in self.comparisons)
        object.__setattr__(self, "weights", weights)
        log2_m = tuple(tuple(math.log2(clamp(m)) for m in c.m) for c in self.comparisons)
        object.__setattr__(self, "log2_m", log2_m)

    def index(self, name: str) -> int:
        """The position of a comparison by name."""
        for i, c in enumerate(self.comparisons):
            if c.name == name:
                return i
        raise KeyError(name)

    def to_json(self) -> str:
        """Serialise the whole model (parameters, TF tables, version, metadata)."""
        return json.dumps(_as_dict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MatchModel:
        """Rebuild a model written by `to_json`."""
        data = json.loads(text)
        training = data.get("training")
        return cls(
            prior=float(data["prior"]),
            comparisons=tuple(_params_from(c) for c in data["comparisons"]),
            version=str(data["version"]),
            training=None if training is None else _training_from(training),
        )


def _as_dict(model: MatchModel) -> dict[str, Any]:
    """The JSON-ready form of a model (derived fields left out)."""
    return {
        "prior": model.prior,
        "version": model.version,
        "training": None if model.training is None else asdict(model.training),
        "comparisons": [
            {
                "name": c.name,
                "levels": list(c.levels),
                "m": list(c.m),
                "u": list(c.u),
                "tf_levels": list(c.tf_levels),
                "tf": dict(c.tf),
                "tf_floor": c.tf_floor,
                "tf_raise": c.tf_raise,
            }
            for c in model.comparisons
        ],
    }


def _params_from(d: dict[str, Any]) -> ComparisonParams:
    """One comparison's parameters from JSON."""
    return ComparisonParams(
        name=str(d["name"]),
        levels=tuple(d["levels"]),
        m=tuple(float(x) for x in d["m"]),
        u=tuple(float(x) for x in d["u"]),
        tf_levels=tuple(int(x) for x in d["tf_levels"]),
        tf={str(k): float(v) for k, v in d["tf"].items()},
        tf_floor=float(d["tf_floor"]),
        tf_raise=bool(d.get("tf_raise", True)),
    )


def _training_from(d: dict[str, Any]) -> TrainingInfo:
    """Training metadata from JSON."""
    return TrainingInfo(
        records=int(d["records"]),
        pairs=int(d["pairs"]),
        random_pairs=int(d["random_pairs"]),
        iterations=int(d["iterations"]),
        seconds=float(d["seconds"]),
        sessions=tuple(d.get("sessions", ())),
    )


def make_version(prior: float, comparisons: tuple[ComparisonParams, ...], at: datetime) -> str:
    """ "<UTC time>-<hash of the parameters>": sortable by time, and equal content hashes equal."""
    payload = json.dumps(
        [prior, [(c.name, c.m, c.u, c.tf_floor, sorted(c.tf.items())) for c in comparisons]],
        sort_keys=True,
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:12]
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}-{digest}"


def build_model(
    prior: float,
    comparisons: tuple[ComparisonParams, ...],
    training: TrainingInfo | None = None,
    at: datetime | None = None,
) -> MatchModel:
    """A model with its version computed from its content and the time it was made."""
    when = at or datetime.now(UTC)
    return MatchModel(prior, comparisons, make_version(prior, comparisons, when), training)


# Defaults used before any data exists: hand-set from experience with contact data, chosen so
# that name + phone (or e-mail) + city links, a contact alone goes to review and a name + city
# alone stays new. λ = 1e-6: about one duplicate per person among a million stored records.
_DEFAULT_PRIOR = 1e-6
_DEFAULT_PARAMS = (
    # name: an exact name match is likely for the same person (80 % once typos and
    # transliteration are spread over the other levels), rare by chance (1 in 1,000).
    (
        "name",
        (0.30, 0.45, 0.02, 0.03, 0.06, 0.04, 0.04, 0.06),
        (1e-4, 1e-3, 2e-4, 1e-5, 1e-4, 1e-3, 2e-3, 0.99559),
    ),
    # phone: E.164 numbers are near-unique; the same person keeps a number 85 % of the time.
    # Alone, an exact phone or e-mail must clear even odds (λ is 1e-6), so that a contact-only
    # lead (a live-show sign-up) reaches a person's review instead of becoming a stranger.
    ("phone", (0.85, 0.03, 0.12), (2.5e-7, 1e-6, 1.0 - 1.25e-6)),
    ("email", (0.80, 0.05, 0.15), (2.5e-7, 1e-5, 1.0 - 1.025e-5)),
    # city: people move or give a work city; big cities are common (TF corrects that).
    ("city", (0.85, 0.12, 0.03), (0.02, 0.5, 0.48)),
)


def default_model() -> MatchModel:
    """Sensible priors for PERSON_COMPARISONS, usable before any training data exists."""
    # No term frequencies are known yet, so no level is TF-adjusted (tf_levels empty).
    params = [
        ComparisonParams(name, comp.levels, m, u)
        for (name, m, u), comp in zip(_DEFAULT_PARAMS, PERSON_COMPARISONS, strict=True)
    ]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return build_model(_DEFAULT_PRIOR, tuple(params), None, at)
