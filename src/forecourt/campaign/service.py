"""Use cases of the campaign feature: keep campaigns, attribute leads to them."""

from __future__ import annotations

import tomllib
from importlib import resources

from pydantic import ValidationError

from forecourt.campaign import repository
from forecourt.campaign.models import Campaign
from forecourt.campaign.schemas import Attribution, CampaignCreate, CampaignRead
from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as market_service


def create_campaign(uow: UnitOfWork, *, data: CampaignCreate) -> CampaignRead:
    """Create a campaign (HQ, or the market manager of its market); audited."""
    actor = uow.actor
    if not (
        actor.is_hq or (actor.role is Role.MARKET_MANAGER and actor.sees_market(data.market_code))
    ):
        raise Forbidden("only HQ or the market's manager create its campaigns")
    with uow:
        if repository.by_code(uow.session, data.code):
            raise Conflict(f"campaign {data.code} exists", field="code")
        campaign = _new_campaign(uow, data)
        uow.session.add(campaign)
        uow.audit(
            "campaign.created",
            "campaign",
            campaign.id,
            changes={"code": data.code},
            market_code=data.market_code,
        )
        uow.commit()
        return CampaignRead.model_validate(campaign)


def _new_campaign(uow: UnitOfWork, data: CampaignCreate) -> Campaign:
    market = market_service.get_market(uow, code=data.market_code)
    fields = data.model_dump(exclude={"parent_code"})
    return Campaign(
        **fields,
        id=new_id(),
        parent_id=_parent_id(uow, data),
        currency=market.currency,
        created_at=uow.clock.now(),
    )


def _parent_id(uow: UnitOfWork, data: CampaignCreate) -> object:
    if data.parent_code is None:
        return None
    parent = repository.by_code(uow.session, data.parent_code)
    if parent is None:
        raise NotFound(f"no campaign {data.parent_code}", field="parent_code")
    if parent.market_code != data.market_code:
        raise InvalidInput("a road show runs in its show's market", field="market_code")
    return parent.id


def list_campaigns(uow: UnitOfWork) -> list[CampaignRead]:
    """Campaigns within the caller's markets (all for HQ and the call centre)."""
    actor = uow.actor
    scope = None if actor.role in (Role.HQ, Role.CALL_CENTRE) else actor.market_codes
    with uow:
        return [CampaignRead.model_validate(c) for c in repository.listed(uow.session, scope)]


def attribute(
    uow: UnitOfWork,
    *,
    campaign_code: str | None,
    utm_source: str | None = None,
    utm_medium: str | None = None,
    utm_campaign: str | None = None,
) -> Attribution:
    """Credit a lead to a campaign: by its code first, else by its UTM tags; never rejects a lead."""
    with uow:
        if campaign_code:
            credited = repository.id_by_code(uow.session, campaign_code.strip().upper())
            if credited is not None:
                return Attribution(
                    campaign_id=credited[0], campaign_code=credited[1], matched_by="code"
                )
            return Attribution(
                campaign_id=None, campaign_code=campaign_code, matched_by="unknown_code"
            )
        if utm_campaign:
            found = repository.by_utm(
                uow.session, utm_campaign=utm_campaign, utm_source=utm_source, utm_medium=utm_medium
            )
            if found is not None:
                return Attribution(campaign_id=found.id, campaign_code=found.code, matched_by="utm")
    return Attribution(campaign_id=None, campaign_code=None, matched_by="none")


def seed_reference_data(uow: UnitOfWork) -> int:
    """Load the demo campaigns of `data/campaigns.toml` that do not exist yet; idempotent."""
    text = (resources.files("forecourt.campaign") / "data" / "campaigns.toml").read_text("utf-8")
    entries = tomllib.loads(text).get("campaign", [])
    for number, entry in enumerate(entries, start=1):
        with uow:
            exists = repository.by_code(uow.session, str(entry.get("code"))) is not None
        if not exists:
            create_campaign(uow, data=_parsed(number, entry))
    return len(entries)


def _parsed(number: int, entry: dict[str, object]) -> CampaignCreate:
    try:
        return CampaignCreate.model_validate(entry)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "campaign"
        raise InvalidInput(
            f"campaign #{number} ({entry.get('code')}): {field}: {error['msg']}", field=field
        ) from exc
