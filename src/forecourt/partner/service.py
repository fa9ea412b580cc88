"""Use cases of partner webhooks: subscriptions (brand HQ only) and the dead-letter list."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from forecourt.kernel import timers
from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as markets
from forecourt.partner import policies, repository
from forecourt.partner.delivery import DELIVER_TIMER
from forecourt.partner.models import Delivery, Subscription
from forecourt.partner.schemas import (
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
    SubscriptionUpdate,
)

LIST_LIMIT = 500


def create_subscription(uow: UnitOfWork, *, data: SubscriptionCreate) -> SubscriptionCreated:
    """Subscribe a partner endpoint to events; the secret (given or generated) is shown once."""
    with uow:
        _require_hq(uow)
        now = uow.clock.now()
        subscription = Subscription(
            id=new_id(),
            name=data.name,
            url=policies.checked_url(data.url),
            secret=data.secret or f"whsec_{secrets.token_urlsafe(32)}",
            event_names=policies.checked_events(data.events),
            market_codes=_known_markets(uow, data.market_codes),
            active=True,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(subscription)
        uow.audit(
            "partner.subscribe",
            "webhook_subscription",
            subscription.id,
            changes=_public(subscription),
        )
        uow.commit()
        return SubscriptionCreated(**_read(subscription).model_dump(), secret=subscription.secret)


def list_subscriptions(uow: UnitOfWork) -> list[SubscriptionRead]:
    """Every subscription, oldest first, without secrets."""
    with uow:
        _require_hq(uow)
        return [_read(s) for s in repository.subscriptions(uow.session)]


def get_subscription(uow: UnitOfWork, *, subscription_id: uuid.UUID) -> SubscriptionRead:
    """One subscription, without its secret."""
    with uow:
        _require_hq(uow)
        return _read(_subscription(uow, subscription_id))


def update_subscription(
    uow: UnitOfWork, *, subscription_id: uuid.UUID, data: SubscriptionUpdate
) -> SubscriptionRead:
    """Change a subscription's name, URL, events, markets, secret or pause it (active=false)."""
    with uow:
        _require_hq(uow)
        subscription = _subscription(uow, subscription_id)
        for key, value in _update_values(uow, data).items():
            setattr(subscription, key, value)
        subscription.updated_at = uow.clock.now()
        changes = data.model_dump(exclude_unset=True, exclude={"secret"})
        uow.audit("partner.update", "webhook_subscription", subscription.id, changes=changes)
        uow.commit()
        return _read(subscription)


def delete_subscription(uow: UnitOfWork, *, subscription_id: uuid.UUID) -> None:
    """Remove a subscription and its deliveries; their pending timers then find nothing to send."""
    with uow:
        _require_hq(uow)
        subscription = _subscription(uow, subscription_id)
        repository.delete_deliveries(uow.session, subscription.id)
        uow.session.delete(subscription)
        uow.audit(
            "partner.unsubscribe",
            "webhook_subscription",
            subscription.id,
            changes=_public(subscription),
        )
        uow.commit()


def list_deliveries(
    uow: UnitOfWork,
    *,
    state: str | None = None,
    subscription_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[DeliveryRead]:
    """Deliveries, oldest first, of one state and subscription if given; state=dead is the
    dead-letter list."""
    with uow:
        _require_hq(uow)
        found = repository.deliveries(
            uow.session, state=state, subscription_id=subscription_id, limit=min(limit, LIST_LIMIT)
        )
        return [DeliveryRead.model_validate(d) for d in found]


def replay_dead_letter(uow: UnitOfWork, *, delivery_id: uuid.UUID) -> DeliveryRead:
    """Put one dead delivery back to be sent now, with a fresh count of attempts."""
    with uow:
        _require_hq(uow)
        delivery = repository.delivery(uow.session, delivery_id)
        if delivery is None:
            raise NotFound("no such delivery", field="delivery_id")
        if delivery.state != "dead":
            raise Conflict(f"the delivery is {delivery.state}, not dead", field="delivery_id")
        _replay(uow, delivery)
        uow.commit()
        return DeliveryRead.model_validate(delivery)


def replay_dead_letters(uow: UnitOfWork, *, subscription_id: uuid.UUID | None = None) -> int:
    """Put up to LIST_LIMIT dead deliveries (of one subscription, or all) back to be sent now;
    returns how many."""
    with uow:
        _require_hq(uow)
        if subscription_id is not None:
            _subscription(uow, subscription_id)
        dead = repository.deliveries(
            uow.session, state="dead", subscription_id=subscription_id, limit=LIST_LIMIT, lock=True
        )
        for delivery in dead:
            _replay(uow, delivery)
        uow.commit()
        return len(dead)


def _replay(uow: UnitOfWork, delivery: Delivery) -> None:
    subscription = _subscription(uow, delivery.subscription_id)
    if not subscription.active:
        raise Conflict("the subscription is paused; activate it first", field="subscription_id")
    now = uow.clock.now()
    delivery.state, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.replays += 1
    timers.schedule(uow, kind=DELIVER_TIMER, due_at=now, subject_id=delivery.id)
    uow.audit(
        "partner.replay",
        "webhook_delivery",
        delivery.id,
        changes={"event_id": str(delivery.event_id)},
    )


def _require_hq(uow: UnitOfWork) -> None:
    if not uow.actor.is_hq:
        raise Forbidden("only brand HQ manages partner webhooks")


def _subscription(uow: UnitOfWork, subscription_id: uuid.UUID) -> Subscription:
    subscription = repository.subscription(uow.session, subscription_id)
    if subscription is None:
        raise NotFound("no such subscription", field="subscription_id")
    return subscription


def _known_markets(uow: UnitOfWork, codes: list[str]) -> list[str]:
    checked = policies.checked_market_codes(codes)
    for code in checked:
        try:
            markets.get_market(uow, code=code)
        except NotFound as exc:
            raise InvalidInput(f"no market {code}", field="market_codes") from exc
    return checked


def _update_values(uow: UnitOfWork, data: SubscriptionUpdate) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
        values.update(_checked_value(uow, key, value))
    return values


def _checked_value(uow: UnitOfWork, key: str, value: Any) -> dict[str, Any]:
    if key == "url":
        return {"url": policies.checked_url(value)}
    if key == "events":
        return {"event_names": policies.checked_events(value)}
    if key == "market_codes":
        return {"market_codes": _known_markets(uow, value)}
    return {key: value}


def _public(subscription: Subscription) -> dict[str, Any]:
    return _read(subscription).model_dump(mode="json")


def _read(subscription: Subscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=subscription.id,
        name=subscription.name,
        url=subscription.url,
        events=list(subscription.event_names),
        market_codes=list(subscription.market_codes),
        active=subscription.active,
        secret_hint=policies.secret_hint(subscription.secret),
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )
