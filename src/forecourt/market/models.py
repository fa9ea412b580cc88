"""The market entity: one country the brand sells in."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON


class Market(Base):
    """A country with its rollout phase, currency, languages, data region and consent rules."""

    __tablename__ = "market"
    __table_args__ = (
        CheckConstraint("drive_side IN ('lhd', 'rhd')", name="drive_side"),
        CheckConstraint("data_region IN ('cn', 'eu', 'row')", name="data_region"),
        CheckConstraint("rollout_phase >= 1", name="rollout_phase"),
    )

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    languages: Mapped[list[str]] = mapped_column(PortableJSON)
    drive_side: Mapped[str] = mapped_column(String(3))
    rollout_phase: Mapped[int]
    launch_date: Mapped[date]
    data_region: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_rules: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def default_language(self) -> str:
        return self.languages[0]
