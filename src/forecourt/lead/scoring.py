"""The lead score: how likely a lead is to end in a sale, and why. Pure rules, no I/O.

Each lead is described by five factors (channel, model interest, timeframe, engagement, the
customer's history), each taking one level. Every level has a win rate: a prior (what the brand
expects before it has data) blended with the won and lost leads seen at that level, as a Beta
prior of `PRIOR_STRENGTH` pseudo-leads would blend them; learning starts once `MIN_OUTCOMES`
leads are closed. The score adds the levels' log-odds effects to the base rate's (naive Bayes),
so each reason says exactly how much it moved the score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forecourt.lead.adf import parse_request_date
from forecourt.lead.incoming import LeadChannel

BASE = "base"
PRIOR_STRENGTH = 30.0
MIN_OUTCOMES = 100
HIGH_AT, LOW_BELOW = 0.20, 0.06
ALWAYS_HIGH = frozenset({LeadChannel.LIVE_BROADCAST.value, LeadChannel.IN_CAR.value})

# Prior win rates per factor level, from the brand's funnel figures before it has its own data.
PRIORS: dict[str, dict[str, float]] = {
    BASE: {BASE: 0.10},
    "channel": {
        "dealer": 0.25,
        "in_car": 0.20,
        "call_centre": 0.15,
        "road_show": 0.12,
        "multibrand": 0.10,
        "live_broadcast": 0.08,
        "web": 0.08,
        "partner": 0.06,
    },
    "model": {"named": 0.13, "none": 0.07},
    "timeframe": {"now": 0.25, "soon": 0.14, "unknown": 0.09, "later": 0.05},
    "engagement": {"high": 0.17, "some": 0.12, "none": 0.08},
    "history": {"owner": 0.22, "returning": 0.13, "first": 0.09},
}
FACTORS = tuple(name for name in PRIORS if name != BASE)
_NOW_WORDS = re.compile(
    r"immediate|asap|now|this week|today|sofort|gleich|jetzt|natychmiast|ihned|马上|立即|尽快|本周",
    re.IGNORECASE,
)
_SOON_WORDS = re.compile(r"month|monat|miesi|měsíc|月|soon|bald|weeks?", re.IGNORECASE)
_LATER_WORDS = re.compile(r"year|jahr|rok|年|later|später|just looking|browsing", re.IGNORECASE)
_ENGAGEMENT_KEYS = ("test_drive", "configuration", "configurator", "brochure", "comments")

Rates = dict[str, dict[str, float]]


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What the score looks at, gathered by the caller."""

    channel: str
    model_interest: str | None
    attributes: Mapping[str, Any]
    received_at: datetime
    campaign_credited: bool
    utm_given: bool
    history: str  # "owner" | "returning" | "first"


@dataclass(frozen=True, slots=True)
class Score:
    """A win probability with the factors behind it, each with its level and effect."""

    probability: float
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def points(self) -> float:
        """The score as shown: the win probability in per cent."""
        return round(100 * self.probability, 1)

    def factors(self) -> dict[str, str]:
        return {r["factor"]: r["level"] for r in self.reasons}


def levels(facts: LeadFacts) -> dict[str, str]:
    """The level of each factor for one lead."""
    channel = facts.channel if facts.channel in PRIORS["channel"] else "web"
    return {
        "channel": channel,
        "model": "named" if facts.model_interest else "none",
        "timeframe": timeframe(facts.attributes, facts.received_at),
        "engagement": engagement(facts),
        "history": facts.history,
    }


def timeframe(attributes: Mapping[str, Any], received_at: datetime) -> str:
    """When the person means to buy: from an earliest date, else from the words they used."""
    earliest = attributes.get("timeframe_earliestdate")
    when = parse_request_date(str(earliest)) if earliest else None
    if when is not None:
        days = (when - received_at).days
        return "now" if days <= 14 else "soon" if days <= 90 else "later"
    words = " ".join(str(attributes.get(k, "")) for k in ("timeframe", "timeframe_description"))
    for level, pattern in (("now", _NOW_WORDS), ("later", _LATER_WORDS), ("soon", _SOON_WORDS)):
        if pattern.search(words):
            return level
    return "unknown"


def engagement(facts: LeadFacts) -> str:
    """How much the person did before enquiring: campaign, tracked visit, test drive, configurator."""
    signals = int(facts.campaign_credited) + int(facts.utm_given)
    signals += sum(1 for key in facts.attributes if key.startswith(_ENGAGEMENT_KEYS))
    return "high" if signals >= 2 else "some" if signals == 1 else "none"


def score(lead_levels: Mapping[str, str], rates: Rates | None = None) -> Score:
    """The win probability of a lead at these levels, with each factor's effect."""
    table = rates or PRIORS
    base = _logit(table[BASE][BASE])
    total, reasons = base, []
    for factor in FACTORS:
        level = lead_levels[factor]
        rate = table.get(factor, {}).get(level, PRIORS[factor][level])
        effect = _logit(rate) - base
        total += effect
        reasons.append(
            {"factor": factor, "level": level, "rate": round(rate, 4), "effect": round(effect, 3)}
        )
    return Score(probability=_sigmoid(total), reasons=reasons)


def priority(channel: str, probability: float) -> str:
    """high / normal / low: live-broadcast and in-car leads are always high (the person is
    watching or driving right now and cools within minutes); otherwise by win probability."""
    if channel in ALWAYS_HIGH or probability >= HIGH_AT:
        return "high"
    return "low" if probability < LOW_BELOW else "normal"


def learn(outcomes: Iterable[tuple[Mapping[str, str], bool]]) -> tuple[Rates, int]:
    """Win rates learned from closed leads (their levels, won or not) on top of the priors; the
    priors alone while fewer than `MIN_OUTCOMES` leads are closed. Returns (rates, leads seen)."""
    counts: dict[tuple[str, str], list[int]] = {}
    seen = won_total = 0
    for lead_levels, won in outcomes:
        seen += 1
        won_total += won
        for factor, level in lead_levels.items():
            if factor in PRIORS and level in PRIORS[factor]:
                tally = counts.setdefault((factor, level), [0, 0])
                tally[0] += won
                tally[1] += 1
    if seen < MIN_OUTCOMES:
        return {f: dict(levels_) for f, levels_ in PRIORS.items()}, seen
    rates: Rates = {BASE: {BASE: _blend(PRIORS[BASE][BASE], won_total, seen)}}
    for factor in FACTORS:
        rates[factor] = {
            level: _blend(prior, *counts.get((factor, level), [0, 0]))
            for level, prior in PRIORS[factor].items()
        }
    return rates, seen


def _blend(prior: float, won: int, seen: int) -> float:
    return (PRIOR_STRENGTH * prior + won) / (PRIOR_STRENGTH + seen)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
