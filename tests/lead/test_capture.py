"""Capturing leads at the service layer: resolution, idempotency, attribution, consent, bad input."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Connection
from tests.conftest import table_count

from forecourt.customer import curation, model_store, repository
from forecourt.customer import service as customers
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead


def lead(**fields: Any) -> IncomingLead:
    return IncomingLead.model_validate({"channel": "web", **fields})


def test_a_new_person_becomes_a_new_customer(uow: UnitOfWork) -> None:
    captured = leads.capture_lead(
        uow,
        data=lead(
            source_id="w-1",
            first_name="Jana",
            last_name="Nováková",
            phone="+421 905 123 456",
            email="Jana.Novakova@Example.com",
            city="Bratislava",
            country="SK",
        ),
    )
    assert captured.created
    assert captured.lead.resolution == "new"
    assert captured.lead.market_code == "SK"
    profile = customers.get_customer(uow, customer_id=captured.lead.customer_id)
    assert profile.email == "jana.novakova@example.com"
    assert profile.phone == "+421905123456"


def test_the_same_person_in_another_script_and_channel_is_linked(uow: UnitOfWork) -> None:
    first = leads.capture_lead(
        uow,
        data=lead(
            channel="live_broadcast",
            source_id="lb-1",
            full_name="王伟",
            phone="138 0013 8000",
            city="上海",
            country="CN",
        ),
    )
    again = leads.capture_lead(
        uow,
        data=lead(
            channel="dealer",
            source_id="d-9",
            first_name="Wei",
            last_name="WANG",
            phone="+86 138-0013-8000",
            city="Shanghai",
            country="CN",
            email="wangwei@example.com",
        ),
    )
    assert again.lead.resolution == "linked"
    assert again.lead.customer_id == first.lead.customer_id
    assert again.match_evidence, "a link carries its evidence"


def test_a_common_name_alone_does_not_merge_two_people(uow: UnitOfWork) -> None:
    a = leads.capture_lead(
        uow,
        data=lead(
            channel="live_broadcast",
            source_id="lb-a",
            full_name="李娜",
            phone="13911112222",
            city="北京",
            country="CN",
        ),
    )
    b = leads.capture_lead(
        uow,
        data=lead(
            channel="road_show",
            source_id="rs-b",
            full_name="李娜",
            phone="13633334444",
            city="北京",
            country="CN",
        ),
    )
    assert a.lead.customer_id != b.lead.customer_id


def test_a_shared_family_phone_is_not_a_person(uow: UnitOfWork) -> None:
    a = leads.capture_lead(
        uow,
        data=lead(
            source_id="h-1",
            first_name="Anna",
            last_name="Kowalska",
            phone="+48 601 234 567",
            city="Warsaw",
            country="PL",
        ),
    )
    b = leads.capture_lead(
        uow,
        data=lead(
            source_id="h-2",
            first_name="Piotr",
            last_name="Kowalski",
            phone="+48 601 234 567",
            city="Warsaw",
            country="PL",
        ),
    )
    assert b.lead.customer_id != a.lead.customer_id


def test_retries_never_duplicate(uow: UnitOfWork, connection: Connection) -> None:
    before = table_count(connection, "lead")
    first = leads.capture_lead(uow, data=lead(source_id="dup-1", email="dup@example.com"))
    again = leads.capture_lead(uow, data=lead(source_id="dup-1", email="dup@example.com"))
    keyed = leads.capture_lead(uow, data=lead(email="key@example.com"), idempotency_key="k-123")
    keyed_again = leads.capture_lead(
        uow, data=lead(email="key@example.com"), idempotency_key="k-123"
    )
    assert (first.created, again.created, keyed.created, keyed_again.created) == (
        True,
        False,
        True,
        False,
    )
    assert again.lead.id == first.lead.id
    assert keyed_again.lead.id == keyed.lead.id
    assert table_count(connection, "lead") == before + 2


def test_campaign_by_code_by_utm_and_unknown(uow: UnitOfWork) -> None:
    by_code = leads.capture_lead(
        uow,
        data=lead(
            channel="road_show",
            source_id="c-1",
            phone="13800000001",
            country="CN",
            campaign_code="rs-cn-luoyang",
        ),
    )
    by_utm = leads.capture_lead(
        uow,
        data=lead(
            source_id="c-2",
            email="utm@example.com",
            utm_source="google",
            utm_medium="cpc",
            utm_campaign="de-launch",
        ),
    )
    unknown = leads.capture_lead(
        uow, data=lead(source_id="c-3", email="unk@example.com", campaign_code="NOPE-1")
    )
    assert (by_code.lead.campaign_code, by_code.lead.attribution) == ("RS-CN-LUOYANG", "code")
    assert (by_utm.lead.campaign_code, by_utm.lead.attribution) == ("WEB-DE-LAUNCH", "utm")
    assert unknown.lead.campaign_id is None
    assert "campaign.unknown" in unknown.lead.issues


def test_unparseable_phone_is_kept_and_flagged(uow: UnitOfWork) -> None:
    captured = leads.capture_lead(
        uow, data=lead(source_id="p-1", full_name="Max Bauer", phone="call me maybe", country="DE")
    )
    assert "phone.unparseable" in captured.lead.issues
    identity = customers.get_identity(uow, identity_id=captured.lead.identity_id)
    assert identity.phone_raw == "call me maybe"
    assert identity.phone is None


def test_no_name_no_phone_no_email_is_refused() -> None:
    with pytest.raises(ValueError, match="no name"):
        lead(source_id="x", city="Berlin")


def test_marketing_needs_a_marketing_consent_in_force(uow: UnitOfWork) -> None:
    given = leads.capture_lead(
        uow,
        data=lead(
            source_id="m-1",
            email="opt@example.com",
            consents=[{"purpose": "marketing", "granted": True, "source": "web form"}],
        ),
    )
    silent = leads.capture_lead(uow, data=lead(source_id="m-2", email="silent@example.com"))
    assert customers.get_customer(uow, customer_id=given.lead.customer_id).marketing_allowed
    assert not customers.get_customer(uow, customer_id=silent.lead.customer_id).marketing_allowed


def test_the_contact_read_carries_the_golden_record_and_the_consents(uow: UnitOfWork) -> None:
    given = leads.capture_lead(
        uow,
        data=lead(
            source_id="c-1",
            full_name="Jana Nováková",
            email="Jana@Example.com",
            consents=[{"purpose": "marketing", "granted": True, "source": "web form"}],
        ),
    )
    contact = customers.get_contact(uow, customer_id=given.lead.customer_id)
    assert contact.email == "jana@example.com"
    assert contact.display_name == "Jana Nováková"
    assert [(c.purpose, c.granted) for c in contact.consents] == [("marketing", True)]
    assert contact.marketing_allowed


def test_search_finds_a_customer_by_any_identifier(uow: UnitOfWork) -> None:
    captured = leads.capture_lead(
        uow,
        data=lead(
            channel="call_centre",
            source_id="s-1",
            full_name="張小明",
            phone="13712345678",
            email="XM.Zhang@Example.com",
            country="CN",
        ),
    )
    want = captured.lead.customer_id
    for query in (
        "13712345678",
        "+86 137 1234 5678",
        "xm.zhang@example.com",
        "张小明",
        "Zhang Xiaoming",
        "xiaoming zhang",
    ):
        found = customers.search_customers(uow, q=query, country="CN")
        assert want in {c.id for c in found}, query


def test_search_finds_a_name_in_any_market_and_skips_merged_customers(uow: UnitOfWork) -> None:
    # The market comes from the city here (no country given); the search names none either.
    in_city = leads.capture_lead(
        uow,
        data=lead(
            channel="web",
            source_id="s-city",
            full_name="Erik Lindqvist",
            city="Göteborg",
            phone="+46 70 123 45 67",
        ),
    )
    in_country = leads.capture_lead(
        uow,
        data=lead(
            channel="dealer",
            source_id="s-country",
            full_name="Lindqvist Erik",
            country="FI",
            email="erik@example.fi",
        ),
    )
    found = {c.id for c in customers.search_customers(uow, q="erik lindqvist")}
    assert {in_city.lead.customer_id, in_country.lead.customer_id} <= found

    curation.merge_customers(
        uow,
        customer_id=in_country.lead.customer_id,
        into_customer_id=in_city.lead.customer_id,
        reason="the same man, moved",
    )
    found = [c.id for c in customers.search_customers(uow, q="Lindqvist Erik")]
    assert found == [in_city.lead.customer_id]


def test_search_probes_the_key_index_instead_of_scanning_identities(
    connection: Connection,
) -> None:
    if connection.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    statement = repository.search_statement(["p:+4670123", "e:a@example.com"], limit=20)
    compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
    plan = " / ".join(
        row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
    )
    assert "SEARCH blocking_key" in plan, plan
    assert "SCAN source_identity" not in plan, plan
    assert "SCAN blocking_key" not in plan, plan


def test_search_needs_two_characters(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput):
        customers.search_customers(uow, q=" a ")


def test_a_batch_reports_a_capture_failure_on_its_line_and_keeps_the_rest(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forecourt.lead.incoming import NumberedLead, RowError

    real = leads._normalised

    def refuse_one(data: IncomingLead) -> Any:
        if data.source_id == "b-2":
            raise InvalidInput("cannot read this person", field="full_name")
        return real(data)

    monkeypatch.setattr(leads, "_normalised", refuse_one)
    items = [
        NumberedLead(n, lead(source_id=f"b-{n}", email=f"b{n}@example.com")) for n in (1, 2, 3)
    ]
    outcomes = list(leads.capture_batch(uow, items=items))
    assert [o.lead.source_id for o in outcomes if not isinstance(o, RowError)] == ["b-1", "b-3"]
    (error,) = [o for o in outcomes if isinstance(o, RowError)]
    assert (error.line, error.field, error.source_id) == (2, "full_name", "b-2")


def test_a_phone_shared_by_too_many_records_finds_no_candidates(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = "+49 89 1234 5678"  # a dealer's desk phone typed into every walk-in form
    for n, name in enumerate(("Jonas Weber", "Mia Wolf", "Paul Koch")):
        leads.capture_lead(uow, data=lead(source_id=f"desk-{n}", full_name=name, phone=desk))
    known = leads.capture_lead(uow, data=lead(source_id="desk-a", phone=desk))
    assert known.match_probability is not None  # compared with the three stored records

    from forecourt.customer import service as customer_service

    monkeypatch.setattr(customer_service, "KEY_LIMITS", {"p": 2, "p8": 2})
    crowded = leads.capture_lead(uow, data=lead(source_id="desk-b", phone=desk))
    assert crowded.match_probability is None
    assert crowded.lead.resolution == "new"


def test_a_retry_racing_past_the_replay_check_answers_with_the_first_capture(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, connection: Connection
) -> None:
    first = leads.capture_lead(uow, data=lead(source_id="race-1", email="race@example.com"))
    real = leads._earlier
    calls = iter([None])  # the racing delivery's check ran before the first one committed
    monkeypatch.setattr(leads, "_earlier", lambda *args: next(calls, real(*args)))
    before = table_count(connection, "lead")
    again = leads.capture_lead(uow, data=lead(source_id="race-1", email="race@example.com"))
    assert again.created is False
    assert again.lead.id == first.lead.id
    assert table_count(connection, "lead") == before


# -- prepared before the write transaction (lead.intake, entrypoints.capture_writer) --------------


def returning(source_id: str, **fields: Any) -> IncomingLead:
    person = {"full_name": "王建国", "phone": "138 0013 8001", "city": "上海", "country": "CN"}
    return lead(source_id=source_id, **person, **fields)


def write_prepared(uow: UnitOfWork, data: IncomingLead, prepared: leads.Prepared) -> Any:
    """Write a prepared capture in a transaction of its own, as the intake's writer does."""
    with uow:
        captured = leads.capture_joined(uow, data=data, prepared=prepared)
        uow.commit()
        return captured


def test_a_capture_prepared_before_the_persons_first_lead_was_stored_is_decided_again(
    uow: UnitOfWork,
) -> None:
    prepared = leads.prepare_capture(uow, data=returning("second"))
    assert prepared.plan.decision.outcome == "new"  # nobody like them was stored yet
    first = leads.capture_lead(uow, data=returning("first", channel="dealer"))
    again = write_prepared(uow, returning("second"), prepared)
    assert again.lead.resolution == "linked"
    assert again.lead.customer_id == first.lead.customer_id


def test_a_capture_prepared_on_data_that_did_not_change_keeps_its_decision(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = leads.capture_lead(uow, data=returning("first", channel="dealer"))
    prepared = leads.prepare_capture(uow, data=returning("second"))

    def not_again(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("decided again although nothing changed")

    monkeypatch.setattr(customers, "resolve", not_again)
    again = write_prepared(uow, returning("second"), prepared)
    assert again.lead.resolution == "linked"
    assert again.lead.customer_id == first.lead.customer_id


def test_a_replay_found_while_preparing_is_answered_without_writing(
    uow: UnitOfWork, connection: Connection
) -> None:
    first = leads.capture_lead(uow, data=returning("once"))
    prepared = leads.prepare_capture(uow, data=returning("once"))
    assert prepared.earlier is not None
    again = write_prepared(uow, returning("once"), prepared)
    assert not again.created
    assert again.lead.id == first.lead.id
    assert table_count(connection, "lead") == 1


def test_a_replay_that_arrived_after_preparing_meets_the_unique_source_id(
    uow: UnitOfWork, connection: Connection
) -> None:
    prepared = leads.prepare_capture(uow, data=returning("raced"))
    assert prepared.earlier is None
    first = leads.capture_lead(uow, data=returning("raced"))
    again = write_prepared(uow, returning("raced"), prepared)
    assert not again.created
    assert again.lead.id == first.lead.id
    assert table_count(connection, "lead") == 1


def test_a_capture_prepared_under_another_model_is_decided_again(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = leads.capture_lead(uow, data=returning("first", channel="dealer"))
    prepared = leads.prepare_capture(uow, data=returning("second"))
    trained = replace(model_store.active(uow.session), version="trained-meanwhile")
    monkeypatch.setattr(model_store, "active", lambda _session: trained)
    decided: list[str] = []
    real = customers.resolve

    def counting(model: Any, *args: Any, **kwargs: Any) -> Any:
        decided.append(model.version)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(customers, "resolve", counting)
    again = write_prepared(uow, returning("second"), prepared)
    assert decided == ["trained-meanwhile"]
    assert again.lead.customer_id == first.lead.customer_id


def test_a_plan_whose_decision_consulted_open_reviews_is_noted(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reviews change without touching candidate rows: such a decision is taken again unless the
    # writer knows nothing changed (`plan_current`).
    real = customers.resolve

    def asking(*args: Any, questions: Any, **kwargs: Any) -> Any:
        questions("01a245f6-0000-7000-8000-000000000000")
        return real(*args, questions=questions, **kwargs)

    person = leads.prepare_capture(uow, data=returning("plain")).person
    assert not customers.plan_person(uow, person=person).asked
    monkeypatch.setattr(customers, "resolve", asking)
    assert customers.plan_person(uow, person=person).asked


@pytest.mark.parametrize("current", [False, True], ids=["read-again", "current"])
def test_a_decision_that_consulted_open_reviews_stands_only_when_the_writer_vouches_for_it(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, current: bool
) -> None:
    first = leads.capture_lead(uow, data=returning("first", channel="dealer"))
    decided: list[str] = []
    real = customers.resolve

    def asking(*args: Any, questions: Any, **kwargs: Any) -> Any:
        decided.append("decided")
        questions(str(first.lead.customer_id))
        return real(*args, questions=questions, **kwargs)

    monkeypatch.setattr(customers, "resolve", asking)
    prepared = leads.prepare_capture(uow, data=returning("second"))
    assert prepared.plan.asked
    with uow:
        again = leads.capture_joined(
            uow, data=returning("second"), prepared=prepared, plan_current=current
        )
        uow.commit()
    assert decided == (["decided"] if current else ["decided", "decided"])
    assert again.lead.customer_id == first.lead.customer_id
