"""Training the identity-resolution model: EM recovery, TF tables, training on synthetic leads."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest

from forecourt.customer.matching.blocking import blocking_keys, candidate_pairs
from forecourt.customer.matching.comparisons import PERSON_COMPARISONS
from forecourt.customer.matching.decide import resolve
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.training import (
    PERSON_SESSIONS,
    expectation_maximisation,
    presence_of,
    random_match_probability,
    term_frequencies,
    train_model,
)

SURNAMES = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
]
GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂英", "guiying"),
    ("小明", "xiaoming"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("晓东", "xiaodong"),
    ("玉兰", "yulan"),
    ("雪梅", "xuemei"),
    ("国庆", "guoqing"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
]
LATIN = [
    "anna",
    "marco",
    "lukas",
    "sofia",
    "jan",
    "eva",
    "pierre",
    "claire",
    "jonas",
    "marta",
    "mueller",
    "rossi",
    "dubois",
    "novak",
    "schmidt",
    "garcia",
    "kowalski",
    "bianchi",
    "fischer",
    "martin",
    "weber",
    "moreau",
    "ferrari",
    "lopez",
    "nowak",
    "wagner",
]
CITIES = [
    (1816670, "CN"),
    (1796236, "CN"),
    (1809858, "CN"),
    (1795565, "CN"),
    (1814906, "CN"),
    (2950159, "DE"),
    (2867714, "DE"),
    (3169070, "IT"),
    (2988507, "FR"),
    (3117735, "ES"),
]


def _typo(s: str, rng: random.Random) -> str:
    """One random edit (substitution or deletion) inside a token."""
    i = rng.randrange(len(s))
    return s[:i] + (rng.choice("aeiounst") if rng.random() < 0.6 else "") + s[i + 1 :]


@dataclass
class _Person:
    """The true attributes of one synthetic person (tokens: surname first)."""

    tokens: tuple[str, str]
    hanzi: str | None
    phone: str
    email: str
    city: int
    country: str


def _person(pid: int, rng: random.Random) -> _Person:
    """A random person: Chinese (Zipf-like surnames, as in China) or European."""
    city, country = rng.choice(CITIES[:5]) if rng.random() < 0.75 else rng.choice(CITIES)
    if country == "CN":
        s = SURNAMES[min(int(rng.paretovariate(1.2)) - 1, len(SURNAMES) - 1)]
        g = rng.choice(GIVEN[:8]) if rng.random() < 0.4 else rng.choice(GIVEN)
        hanzi, tokens = s[0] + g[0], (s[1], g[1])
    else:
        hanzi, tokens = None, (rng.choice(LATIN[10:]), rng.choice(LATIN[:10]))
    prefix = "+86130" if country == "CN" else "+49150"
    phone = f"{prefix}{rng.randrange(10**8):08d}"
    return _Person(tokens, hanzi, phone, f"{tokens[1]}.{tokens[0]}{pid}@example.com", city, country)


def _relative(p: _Person, of: _Person) -> None:
    """Make `p` a relative of `of`: same surname, same city, the family phone."""
    p.tokens = (of.tokens[0], p.tokens[1])
    p.hanzi = of.hanzi[0] + p.hanzi[1:] if of.hanzi and p.hanzi else None
    p.phone, p.city, p.country = of.phone, of.city, of.country


def _record(rid: str, p: _Person, rng: random.Random) -> PersonRecord:
    """One channel's noisy record of a person."""
    tokens: tuple[str, ...] = p.tokens
    hanzi = p.hanzi if rng.random() < 0.7 else None
    if rng.random() < 0.1:
        k = rng.randrange(len(tokens))
        tokens = tuple(_typo(t, rng) if i == k else t for i, t in enumerate(tokens))
        hanzi = None
    if rng.random() < 0.05:
        tokens = ("".join(tokens),)
    phone = p.phone if rng.random() < 0.75 else None
    email = p.email if rng.random() < 0.45 else None
    city = p.city if rng.random() < 0.85 else None
    return PersonRecord(rid, tuple(sorted(tokens)), hanzi, phone, email, city, p.country)


def make_people(n_persons: int, seed: int = 0) -> tuple[list[PersonRecord], dict[str, int]]:
    """Synthetic multi-channel leads: 1–3 records a person, typos, gaps, shared family phones."""
    rng = random.Random(seed)
    records, truth = [], {}
    people = [_person(i, rng) for i in range(n_persons)]
    for pid, p in enumerate(people):
        if pid and rng.random() < 0.1:
            _relative(p, people[pid - 1])
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            rid = f"r{pid}-{k}"
            records.append(_record(rid, p, rng))
            truth[rid] = pid
    return records, truth


def test_em_recovers_known_parameters() -> None:
    rng = np.random.default_rng(1)
    m_true = [np.array([0.8, 0.15, 0.05]), np.array([0.7, 0.3]), np.array([0.6, 0.3, 0.1])]
    u_true = [np.array([0.01, 0.04, 0.95]), np.array([0.1, 0.9]), np.array([0.05, 0.15, 0.8])]
    n, lam = 40_000, 0.2
    is_match = rng.random(n) < lam
    cols = [
        np.where(is_match, rng.choice(3, n, p=m_true[0]), rng.choice(3, n, p=u_true[0])),
        np.where(is_match, rng.choice(2, n, p=m_true[1]), rng.choice(2, n, p=u_true[1])),
        np.where(is_match, rng.choice(3, n, p=m_true[2]), rng.choice(3, n, p=u_true[2])),
    ]
    levels = np.stack(cols, axis=1).astype(np.int8)
    levels[rng.random(n) < 0.1, 2] = -1  # some missing values
    m0 = [np.array([0.5, 0.3, 0.2]), np.array([0.5, 0.5]), np.array([0.5, 0.3, 0.2])]
    result = expectation_maximisation(levels, m0, u_true, 0.5)
    assert abs(result.prior - lam) < 0.01
    for got, want in zip(result.m, m_true, strict=True):
        assert np.abs(got - want).max() < 0.03


def test_em_leaves_inactive_comparisons_alone() -> None:
    levels = np.array([[0, 0], [1, 0], [1, 1]] * 100, dtype=np.int8)
    m0 = [np.array([0.9, 0.1]), np.array([0.6, 0.4])]
    u = [np.array([0.1, 0.9]), np.array([0.5, 0.5])]
    result = expectation_maximisation(levels, m0, u, 0.3, active=np.array([True, False]))
    assert result.estimated == (True, False)
    assert np.allclose(result.m[1], m0[1])


def test_term_frequencies_floor_and_table() -> None:
    values = ["a"] * 5 + ["b"] * 3 + ["c", "d"]
    tf, floor = term_frequencies(values, lambda v: v, max_values=1)
    assert tf == {"a": 0.5}
    assert floor == 0.3  # "b" was cut from the table: unstored values are never rarer than it


def test_training_on_synthetic_leads_resolves_with_high_precision() -> None:
    records, truth = make_people(6000, seed=3)
    model = train_model(records, max_pairs=100_000, u_pairs=200_000)
    assert model.training is not None
    assert model.training.records == len(records)
    assert 0 < model.prior < 1e-2
    name = model.comparisons[model.index("name")]
    assert name.m[1] > name.u[1] * 20
    assert name.tf
    tp = fp = fn = 0
    pairs = candidate_pairs(records, blocking_keys, max_block=200)
    by_index = dict(enumerate(records))
    cands: dict[int, list[PersonRecord]] = {}
    for i, j in pairs:
        cands.setdefault(j, []).append(by_index[i])
    for j, found in cands.items():
        rec = records[j]
        res = resolve(model, rec, found)
        if res.outcome == "link" and res.best is not None:
            if truth[res.best.record_id] == truth[rec.record_id]:
                tp += 1
            else:
                fp += 1
    for j, rec in enumerate(records):
        if rec.record_id.endswith("-0"):
            continue
        if not any(truth[c.record_id] == truth[rec.record_id] for c in cands.get(j, [])):
            fn += 1
    assert tp > 0
    print(tp, fp, fn)
    assert tp / (tp + fp) >= 0.99


def test_random_match_probability_counts_missing_values_against_a_blocks_recall() -> None:
    m = [
        np.array([0.8, 0.1, 0.1]) if len(c.levels) == 3 else np.full(len(c.levels), 0.1)
        for c in PERSON_COMPARISONS
    ]
    phone = PERSON_SESSIONS[0]
    # EM found 1,000 matches among the phone block's pairs, out of 10^8 possible pairs.
    share = [(phone, 0.5, 2000.0)]
    every_phone = random_match_probability(PERSON_COMPARISONS, m, share, 1e8)
    assert every_phone == pytest.approx(1000 / 0.8 / 1e8)
    # Both records have a phone in only half of the pairs: the block finds half the matches.
    levels = np.array([[0, 0, -1, 0], [0, -1, -1, 0]], dtype=np.int8)
    present = presence_of(levels).tolist()
    assert present == [1.0, 0.5, 0.0, 1.0]
    half = random_match_probability(PERSON_COMPARISONS, m, share, 1e8, present)
    assert half == pytest.approx(2 * every_phone)
