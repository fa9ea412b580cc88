"""Campaigns as data: road shows under their show, scope, attribution."""

from __future__ import annotations

from datetime import date

import pytest

from forecourt.campaign import service as campaigns
from forecourt.campaign.schemas import CampaignCreate
from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork


def test_seeded_road_shows_hang_under_their_show(uow: UnitOfWork) -> None:
    listed = {c.code: c for c in campaigns.list_campaigns(uow)}
    show = listed["LIVE-CN-2026-11"]
    assert listed["RS-CN-LUOYANG"].parent_id == show.id
    assert show.currency == "CNY"


def test_a_road_show_outside_its_shows_market_is_refused(uow: UnitOfWork) -> None:
    data = CampaignCreate(
        code="RS-PL-X",
        name="x",
        kind="road_show",
        market_code="PL",
        parent_code="LIVE-CN-2026-11",
        city="Krakow",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 2),
    )
    with pytest.raises(InvalidInput):
        campaigns.create_campaign(uow, data=data)


def test_duplicate_code_conflicts(uow: UnitOfWork) -> None:
    data = CampaignCreate(
        code="WEB-DE-LAUNCH",
        name="again",
        kind="digital",
        market_code="DE",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 2),
    )
    with pytest.raises(Conflict):
        campaigns.create_campaign(uow, data=data)


def test_market_manager_only_in_own_market(container, uow: UnitOfWork, make_caller) -> None:
    from forecourt.auth import service as auth

    manager = auth.authenticate_token(
        uow, token=make_caller(Role.MARKET_MANAGER, market_codes=["PL"]).token
    )
    data = CampaignCreate(
        code="OFFER-DE-X",
        name="x",
        kind="regional_offer",
        market_code="DE",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 2),
    )
    with pytest.raises(Forbidden):
        campaigns.create_campaign(container.uow(manager), data=data)
    assert {c.market_code for c in campaigns.list_campaigns(container.uow(manager))} == {"PL"}


def test_dates_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="ends_on"):
        CampaignCreate(
            code="BAD-1",
            name="x",
            kind="digital",
            market_code="DE",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 1),
        )
