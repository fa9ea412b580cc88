"""Response targets as data: how many business minutes a dealer has to answer, per channel and
priority (`data/response_slas.toml`), and how often a breached lead is re-routed."""

from __future__ import annotations

import functools
import tomllib
from datetime import timedelta
from importlib import resources
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from forecourt.kernel.errors import InvalidInput

ANY = "*"
PRIORITIES = ("high", "normal", "low")


class ResponseTarget(BaseModel):
    """First response within `within` business minutes; a warning `warn_before` minutes earlier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str = Field(min_length=1, max_length=20)
    priority: str = Field(min_length=1, max_length=10)
    within: int = Field(gt=0, le=60 * 24 * 30, description="business minutes")
    warn_before: int = Field(ge=0, description="business minutes before the deadline")

    @model_validator(mode="after")
    def _warns_in_time(self) -> Self:
        if self.warn_before >= self.within:
            raise ValueError("warn_before must be shorter than within")
        if self.priority not in (*PRIORITIES, ANY):
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)} or *")
        return self

    @property
    def deadline(self) -> timedelta:
        return timedelta(minutes=self.within)

    @property
    def warning(self) -> timedelta:
        return timedelta(minutes=self.within - self.warn_before)


class ResponsePolicy(BaseModel):
    """Every target, and how many re-routes a lead gets on breach before it is escalated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    breach_reroutes: int = Field(ge=0, le=10)
    target: tuple[ResponseTarget, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_catch_all(self) -> Self:
        if not any(t.channel == ANY and t.priority == ANY for t in self.target):
            raise ValueError('a catch-all target (channel = "*", priority = "*") is required')
        return self

    def target_for(self, channel: str, priority: str) -> ResponseTarget:
        """The most specific target: channel and priority, channel, priority, then any."""
        for wanted in ((channel, priority), (channel, ANY), (ANY, priority), (ANY, ANY)):
            for target in self.target:
                if (target.channel, target.priority) == wanted:
                    return target
        raise AssertionError("the catch-all target is checked on load")  # pragma: no cover


def parse_policy(text: str) -> ResponsePolicy:
    """A policy file read and checked; InvalidInput names what is wrong."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
        return ResponsePolicy.model_validate(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"response targets are not valid TOML: {exc}", field="file") from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "target"
        raise InvalidInput(f"response targets: {error['msg']}", field=field) from exc


@functools.cache
def packaged_policy() -> ResponsePolicy:
    """The policy of the packaged `data/response_slas.toml`, read once."""
    text = (resources.files("forecourt.lead") / "data" / "response_slas.toml").read_text("utf-8")
    return parse_policy(text)
