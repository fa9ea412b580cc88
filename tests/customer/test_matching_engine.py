"""The identity-resolution engine: comparison levels, TF, model JSON, scoring, guard, resolve."""

from __future__ import annotations

from dataclasses import asdict

from forecourt.customer.matching.blocking import blocking_keys, usable_keys
from forecourt.customer.matching.comparisons import NULL, PERSON_COMPARISONS, joined_equal
from forecourt.customer.matching.decide import adds_evidence, name_conflict, resolve
from forecourt.customer.matching.model import ComparisonParams, MatchModel, default_model
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.scoring import score_pair

NAME, PHONE, EMAIL, CITY = PERSON_COMPARISONS
BEIJING, SHANGHAI, MUNICH = 1816670, 1796236, 2867714


def rec(
    rid: str,
    tokens: tuple[str, ...] = (),
    hanzi: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    city: int | None = None,
    country: str | None = "CN",
) -> PersonRecord:
    return PersonRecord(rid, tuple(sorted(tokens)), hanzi, phone, email, city, country)


def test_name_levels() -> None:
    assert NAME.level_of(rec("a", ("wang", "wei"), "王伟"), rec("b", ("wang", "wei"), "王伟")) == 0
    assert NAME.level_of(rec("a", ("wang", "wei")), rec("b", ("wang", "wei"), "王伟")) == 1
    assert NAME.level_of(rec("a", ("wang", "wei"), "王伟"), rec("b", ("wang", "wei"), "王玮")) == 2
    assert NAME.level_of(rec("a", ("li", "xiaoming")), rec("b", ("li", "xiao", "ming"))) == 3
    assert NAME.level_of(rec("a", ("mueller", "johannes")), rec("b", ("muller", "johannes"))) == 4
    assert NAME.level_of(rec("a", ("wei",)), rec("b", ("wang", "wei"))) == 6
    assert NAME.level_of(rec("a", ("li", "na")), rec("b", ("zhao", "gang"))) == 7
    assert NAME.level_of(rec("a"), rec("b", ("li", "na"))) == NULL


def test_contact_and_city_levels() -> None:
    a = rec("a", phone="+8613812345678", email="wei.wang@qq.com", city=BEIJING)
    assert PHONE.level_of(a, rec("b", phone="+8613812345678")) == 0
    assert PHONE.level_of(a, rec("b", phone="+85213812345678")) == 1
    assert PHONE.level_of(a, rec("b", phone="+8613900000000")) == 2
    assert PHONE.level_of(a, rec("b")) == NULL
    assert EMAIL.level_of(a, rec("b", email="wei.wang@qq.com")) == 0
    assert EMAIL.level_of(a, rec("b", email="wei.wang@163.com")) == 1
    assert EMAIL.level_of(a, rec("b", email="wei.wangg@qq.com")) == 1
    assert EMAIL.level_of(a, rec("b", email="li.na@qq.com")) == 2
    assert CITY.level_of(a, rec("b", city=BEIJING)) == 0
    assert CITY.level_of(a, rec("b", city=SHANGHAI)) == 1
    assert CITY.level_of(a, rec("b", city=MUNICH, country="DE")) == 2
    assert CITY.level_of(rec("a", country=None), rec("b", city=BEIJING)) == NULL


def test_joined_equal() -> None:
    assert joined_equal(("xiaoming",), ("ming", "xiao"))
    assert not joined_equal(("xiaoming",), ("xiao", "min"))


def _with_name_tf(model: MatchModel, tf: dict[str, float]) -> MatchModel:
    params = list(model.comparisons)
    params[0] = ComparisonParams(
        NAME.name, NAME.levels, params[0].m, params[0].u, (0, 1, 3), tf, 1e-6
    )
    return MatchModel(model.prior, tuple(params), model.version)


def test_tf_makes_a_common_name_weaker_than_a_rare_one() -> None:
    model = _with_name_tf(default_model(), {"王伟": 0.004, "wang wei": 0.004})
    common = score_pair(
        model,
        rec("a", ("wang", "wei"), "王伟", city=BEIJING),
        rec("b", ("wang", "wei"), "王伟", city=BEIJING),
    )
    rare = score_pair(
        model,
        rec("a", ("ouyang", "xue"), "欧阳雪", city=BEIJING),
        rec("b", ("ouyang", "xue"), "欧阳雪", city=BEIJING),
    )
    assert common.evidence[0].tf_adjusted
    assert rare.evidence[0].tf_adjusted
    assert common.evidence[0].weight < rare.evidence[0].weight - 5
    assert common.match_weight < rare.match_weight


def test_model_json_round_trip() -> None:
    model = _with_name_tf(default_model(), {"王伟": 0.004})
    again = MatchModel.from_json(model.to_json())
    assert again == model
    assert again.weights == model.weights
    assert default_model().version.startswith("2026-01-01T00:00:00Z-")


def test_score_pair_evidence_and_speed() -> None:
    model = default_model()
    a = rec("a", ("wang", "wei"), "王伟", "+8613812345678", None, BEIJING)
    b = rec("b", ("wang", "wei"), None, "+8613812345678", "w@qq.com", BEIJING)
    score = score_pair(model, a, b)
    assert [e.level for e in score.evidence] == [
        "name: exact",
        "phone: exact",
        "email: null",
        "city: exact",
    ]
    assert score.evidence[2].left_present is False
    assert score.evidence[2].right_present is True
    assert score.evidence[2].weight == 0.0
    assert score.probability > 0.995
    # Stored with the decision as `dataclasses.asdict` would give it, key order included.
    assert [list(e.as_dict().items()) for e in score.evidence] == [
        list(asdict(e).items()) for e in score.evidence
    ]


def test_household_guard_same_phone_different_first_name_is_not_linked() -> None:
    model = default_model()
    new = rec("n", ("wang", "fang"), "王芳", "+8613812345678", None, BEIJING)
    husband = rec("h", ("wang", "wei"), "王伟", "+8613812345678", None, BEIJING)
    res = resolve(model, new, [husband])
    assert res.outcome == "review"
    assert res.best is not None
    assert res.best.guard
    stranger = rec("s", ("li", "na"), "李娜", "+8613812345678", None, BEIJING)
    assert resolve(model, new, [stranger]).outcome == "new"
    assert name_conflict(new, stranger) == "strong"
    assert name_conflict(rec("a", ("john", "smith")), rec("b", ("jon", "smith"))) is None


def test_a_homophone_typed_on_a_shared_phone_is_the_same_person() -> None:
    # 章伟 typed for 张伟 (one pinyin, zhang wei): relatives on one phone do not share a full
    # name, so the guard lets the model link; a different given name is still held back.
    model = default_model()
    caller = rec("c", ("zhang", "wei"), "章伟", "+8613812345678", None, BEIJING)
    known = rec("k", ("zhang", "wei"), "张伟", "+8613812345678", None, BEIJING)
    assert name_conflict(caller, known) is None
    assert resolve(model, caller, [known]).outcome == "link"
    sister = rec("s", ("zhang", "fang"), "张芳", "+8613812345678", None, BEIJING)
    assert resolve(model, caller, [sister]).outcome == "review"


def test_resolve_outcomes() -> None:
    model = default_model()
    new = rec("n", ("zhao", "lei"), "赵磊", "+8613811112222", "zl@qq.com", BEIJING)
    same = rec("s", ("zhao", "lei"), None, "+8613811112222", None, BEIJING)
    other = rec("o", ("sun", "jie"), "孙杰", "+8613999998888", None, SHANGHAI)
    assert resolve(model, new, [same, other]).outcome == "link"
    assert resolve(model, new, [other]).outcome == "new"
    assert resolve(model, new, []).outcome == "new"
    # Two different customers both plausible: ambiguous, so review.
    twin = rec("t", ("zhao", "lei"), "赵磊", None, "zl@qq.com", BEIJING)
    res = resolve(model, new, [same, twin], clusters={"s": "c1", "t": "c2"})
    assert res.outcome == "review"
    assert res.reason.startswith("ambiguous")
    # The same two records under one customer: no ambiguity.
    assert resolve(model, new, [same, twin], clusters={"s": "c1", "t": "c1"}).outcome == "link"


def test_blocking_keys_shared_by_variants_of_one_person() -> None:
    base = rec("a", ("wang", "xiaoming"), "王小明", "+8613812345678", "xm@qq.com", BEIJING)
    variants = [
        rec("b", ("ming", "wang", "xiao"), None, None, None, BEIJING),  # split name, no contact
        rec("c", ("wang", "xiaoming"), "王小明", None, None, None),  # no city: country key
        rec("d", ("wang", "xiaomin"), None, "+85213812345678", None, SHANGHAI),  # typo, bad prefix
        rec("e", ("xiaoming",), None, None, "xm@qq.com", None, None),
    ]
    keys = set(blocking_keys(base))
    for v in variants:
        assert keys & set(blocking_keys(v)), v
    assert usable_keys(["n:wang wei|c:1", "p:+86138"], {"n:wang wei|c:1": 5000, "p:+86138": 2}) == [
        "p:+86138"
    ]


def test_a_rival_far_behind_the_best_does_not_block_a_link() -> None:
    model = default_model()
    new = rec("n", ("zhao", "lei"), "赵磊", "+8613811112222", "zl@qq.com", BEIJING)
    same = rec("s", ("zhao", "lei"), "赵磊", "+8613811112222", "zl@qq.com", BEIJING)
    # The same person stored apart earlier from a lead without e-mail or city: plausible, but
    # far behind the candidate that agrees on everything.
    split = rec("t", ("zhao", "lei"), "赵磊", "+8613811112222", None, None)
    res = resolve(model, new, [same, split], clusters={"s": "c1", "t": "c2"})
    assert res.runner_ups[0].probability >= 0.5
    assert res.outcome == "link"
    assert res.best is not None
    assert res.best.customer_id == "c1"


def test_a_contact_alone_reaches_review_never_a_link() -> None:
    model = default_model()
    known = rec("k", ("wang", "wei"), "王伟", "+8613812345678", None, BEIJING)
    sign_up = rec("s", (), None, "+8613812345678", None, None)  # a live show: a phone only
    res = resolve(model, sign_up, [known])
    assert res.outcome == "review"
    assert res.best is not None
    assert res.best.guard == "household guard: shared contact, no name to tell relatives apart"
    # Even with the city too: a relative on the family phone lives there as well.
    res = resolve(model, rec("c", (), None, "+8613812345678", None, BEIJING), [known])
    assert res.outcome == "review"


def test_a_family_name_alone_on_a_shared_phone_goes_to_review() -> None:
    model = default_model()
    known = rec("k", ("wang", "wei"), "王伟", "+8613812345678", None, BEIJING)
    mr_wang = rec("m", ("wang",), "王", "+8613812345678", None, BEIJING)
    res = resolve(model, mr_wang, [known])
    assert res.best is not None
    assert res.best.probability >= 0.995  # the model alone would link: the guard is needed
    assert res.outcome == "review"
    assert res.best.guard is not None
    assert "one name alone" in res.best.guard


def test_a_rival_adds_evidence_only_where_it_agrees_more_closely_than_the_best() -> None:
    model = default_model()
    new = rec("n", ("zhao", "lei"), "赵磊", "+8613811112222", "zl@qq.com", BEIJING)
    by_phone = score_pair(model, new, rec("p", ("zhao", "lei"), None, "+8613811112222"))
    by_email = score_pair(model, new, rec("e", ("zhao", "lei"), None, None, "zl@qq.com"))
    phone_only = score_pair(model, new, rec("o", (), None, "+8613811112222"))
    assert adds_evidence(by_email, by_phone)  # the e-mail is evidence the best lacks
    assert adds_evidence(by_phone, by_email)
    assert not adds_evidence(phone_only, by_phone)  # a fragment of the best's evidence


def _phone_trusting_model() -> MatchModel:
    """The default comparisons with a prior at which a phone alone reaches about 6 bits, as
    a model trained on live-show sign-ups has it (between the review and link thresholds)."""
    base = default_model()
    return MatchModel(2e-5, base.comparisons, "phone-trusting")


PHONE_1 = "+8613812345678"


def test_a_phone_only_sign_up_links_to_the_sole_holder_of_its_phone() -> None:
    model = _phone_trusting_model()
    sign_up = rec("s", (), None, PHONE_1, None, None)
    sightings = [rec(f"k{n}", ("wang", "wei"), "王伟", PHONE_1, None, BEIJING) for n in range(3)]
    clusters = {r.record_id: "c1" for r in sightings}
    res = resolve(model, sign_up, sightings, clusters=clusters)
    assert res.outcome == "link"
    assert res.best is not None
    assert res.best.customer_id == "c1"
    assert res.reason.startswith("sole holder")
    # One sighting under the name is not enough: a relative may use the phone as well.
    assert resolve(model, sign_up, sightings[:1], clusters=clusters).outcome == "review"


def test_a_shared_city_is_no_evidence_against_a_relative_on_the_phone() -> None:
    model = _phone_trusting_model()
    sign_up = rec("s", (), None, PHONE_1, None, BEIJING)
    known = rec("k", ("wang", "wei"), "王伟", PHONE_1, None, BEIJING)
    res = resolve(model, sign_up, [known], clusters={"k": "c1"})
    assert res.best is not None
    assert res.best.probability >= 0.995  # with the city the model alone would link
    assert res.outcome == "review"


def test_no_sole_holder_when_another_customer_has_the_phone() -> None:
    model = _phone_trusting_model()
    sign_up = rec("s", (), None, PHONE_1, None, None)
    sightings = [rec(f"k{n}", ("wang", "wei"), "王伟", PHONE_1, None, BEIJING) for n in range(3)]
    wife = rec("w", ("li", "fang"), "李芳", PHONE_1, None, BEIJING)
    clusters = {**{r.record_id: "c1" for r in sightings}, "w": "c2"}
    assert resolve(model, sign_up, [*sightings, wife], clusters=clusters).outcome == "review"
    # Nameless sign-ups of the phone say nothing about who uses it.
    fragments = [rec(f"f{n}", (), None, PHONE_1, None, None) for n in range(3)]
    res = resolve(model, sign_up, fragments, clusters={f.record_id: "c3" for f in fragments})
    assert res.outcome == "review"


def test_a_family_name_alone_links_to_the_sole_holder_too() -> None:
    model = _phone_trusting_model()
    mr_wang = rec("m", ("wang",), "王", PHONE_1, None, None)
    sightings = [rec(f"k{n}", ("wang", "wei"), "王伟", PHONE_1, None, BEIJING) for n in range(3)]
    res = resolve(model, mr_wang, sightings, clusters={r.record_id: "c1" for r in sightings})
    assert res.outcome == "link"
