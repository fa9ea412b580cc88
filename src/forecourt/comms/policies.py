"""Pure rules of the comms feature: which consent a message needs, which language it speaks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

MessagePurpose = Literal["service", "marketing"]
FALLBACK_LANGUAGE = "en"
ANY_CHANNEL = "any"


class ConsentLike(Protocol):
    """A consent as the customer feature reports it."""

    @property
    def channel(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def granted(self) -> bool: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class Verdict:
    """Whether a message may go, and why (kept on a suppressed message)."""

    allowed: bool
    reason: str


def consent_verdict(
    purpose: MessagePurpose, channel: str, consents: Sequence[ConsentLike]
) -> Verdict:
    """Marketing needs a yes in force; a service message goes unless the customer said no.

    The consent in force is the newest one given for the purpose on this channel or on `any`.
    A service message answers the customer's own enquiry (who will call them back), which they
    asked for by making it; it is sent without an opt-in, but never against a service opt-out.
    """
    newest = _in_force(purpose, channel, consents)
    if purpose == "marketing":
        if newest is None:
            return Verdict(False, f"no marketing consent for {channel}")
        if not newest.granted:
            return Verdict(False, f"marketing consent for {channel} withdrawn")
        return Verdict(True, f"marketing consent for {channel} given")
    if newest is not None and not newest.granted:
        return Verdict(False, f"service messages by {channel} refused")
    return Verdict(True, "service message about the customer's own enquiry")


def _in_force(purpose: str, channel: str, consents: Sequence[ConsentLike]) -> ConsentLike | None:
    relevant = [c for c in consents if c.purpose == purpose and c.channel in (channel, ANY_CHANNEL)]
    return max(relevant, key=lambda c: c.at) if relevant else None


def template_language(market_languages: Sequence[str], available: Collection[str]) -> str:
    """The market's default language if a template set speaks it (exactly, else its primary
    subtag: de-AT → de), otherwise English."""
    if not market_languages:
        return FALLBACK_LANGUAGE
    default = market_languages[0]
    for candidate in (default, default.split("-")[0]):
        if candidate in available:
            return candidate
    return FALLBACK_LANGUAGE
