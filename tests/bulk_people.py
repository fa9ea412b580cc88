"""A small, hard population of leads for comparing bulk and online resolution.

People repeat under other spellings (pinyin, traditional Hanzi, other name order, typos, other
phone formats), share common names, share phones as households and as a dealer's desk phone,
and come through every channel, so that every comparison level, the household guard, the
key limits and ambiguous reviews all occur.
"""

from __future__ import annotations

import random
from typing import Any

CHANNELS = ("web", "dealer", "call_centre", "live_broadcast", "road_show", "multibrand", "in_car")
CN = [("王", "伟", "wang", "wei"), ("王", "芳", "wang", "fang"), ("李", "娜", "li", "na"),
      ("张", "伟", "zhang", "wei"), ("张", "小明", "zhang", "xiao ming"), ("欧阳", "修", "ouyang", "xiu"),
      ("单", "田芳", "shan", "tian fang"), ("刘", "洋", "liu", "yang")]  # fmt: skip
TRADITIONAL = {"伟": "偉", "张": "張", "刘": "劉", "欧": "歐", "阳": "陽", "单": "單"}
EU = [("Lukas", "Müller", "DE"), ("Anna", "Nowak", "PL"), ("Jan", "Kowalski", "PL"),
      ("Marie", "Schmidt", "DE"), ("Zoë", "Weiß", "DE"), ("Piotr", "Wiśniewski", "PL")]  # fmt: skip
CITIES = {"CN": ["上海", "北京", "成都"], "DE": ["Berlin", "München"], "PL": ["Warsaw", "Kraków"]}
PINYIN_CITIES = {"上海": "Shanghai", "北京": "Beijing", "成都": "Chengdu"}
DESK_PHONE = "+86 21 5555 0101"


def leads(people: int = 80, seed: int = 5) -> list[dict[str, Any]]:
    """Leads of `people` persons, each seen one to three times, in arrival order."""
    rng = random.Random(seed)
    persons = [_person(n, rng) for n in range(people)]
    out: list[dict[str, Any]] = []
    for n, person in enumerate(persons):
        out.append(_lead(person, rng))
        if rng.random() < 0.6:
            later = rng.choice(persons[: n + 1])
            out.append(_variant(later, rng))
        if rng.random() < 0.15:
            out.append(_household(person, rng))
        if rng.random() < 0.08:
            out.append({**_lead(_person(people + n, rng), rng), "phone": DESK_PHONE})
    for number, lead in enumerate(out):
        lead["source_id"] = f"bp-{number}"
        lead["channel"] = rng.choice(CHANNELS)
    return out


def _person(n: int, rng: random.Random) -> dict[str, Any]:
    country = rng.choice(("CN", "CN", "DE", "PL"))
    if country == "CN":
        family, given, py_family, py_given = rng.choice(CN)
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        names = {"hanzi": (family, given), "pinyin": (py_family, py_given)}
    else:
        given, family, country = rng.choice(EU)
        prefix = "+49 151" if country == "DE" else "+48 601"
        phone = f"{prefix} {rng.randrange(10**7):07d}"
        names = {"latin": (given, family)}
    email = f"p{n}.{rng.randrange(1000)}@example.com" if rng.random() < 0.6 else None
    return {"country": country, "city": rng.choice(CITIES[country]), "phone": phone,
            "email": email, **names}  # fmt: skip


def _lead(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    base = {k: person[k] for k in ("country", "city", "phone", "email")}
    if "hanzi" in person:
        family, given = person["hanzi"]
        if rng.random() < 0.5:
            return {**base, "full_name": family + given}
        return {**base, "first_name": given, "last_name": family}
    given, family = person["latin"]
    return {**base, "first_name": given, "last_name": family}


def _variant(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    lead = _lead(person, rng)
    kind = rng.randrange(5)
    if "hanzi" in person:
        family, given = person["hanzi"]
        py_family, py_given = person["pinyin"]
        lead.pop("first_name", None)
        lead.pop("last_name", None)
        lead["full_name"] = [
            f"{py_given.title()} {py_family.upper()}",
            "".join(TRADITIONAL.get(ch, ch) for ch in family + given),
            f"{py_family} {py_given.replace(' ', '')}",
            family + given,
            f"{py_family.title()} {py_given.title()}",
        ][kind]
        lead["phone"] = "+86 " + person["phone"] if kind % 2 else person["phone"]
        lead["city"] = PINYIN_CITIES.get(person["city"], person["city"]) if kind > 2 else None
    else:
        given, family = person["latin"]
        typo = family[:-2] + family[-1] + family[-2]
        lead.update(
            [
                {"first_name": given, "last_name": family.replace("ü", "ue")},
                {"first_name": given, "last_name": typo},
                {"first_name": None, "last_name": None, "full_name": f"{family}, {given}"},
                {"first_name": given[:-1] + "e", "last_name": family},
                {"first_name": given, "last_name": family},
            ][kind]
        )
        lead["phone"] = person["phone"].replace(" ", "") if kind % 2 else None
    if person["email"] and kind in (1, 3):
        lead["email"] = person["email"].upper() if kind == 1 else "x" + person["email"]
    return {k: v for k, v in lead.items() if v is not None}


def _household(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Someone else on the person's phone: a relative (same family name) or a stranger."""
    lead = _lead(person, rng)
    if "hanzi" in person:
        family = person["hanzi"][0] if rng.random() < 0.6 else "赵"
        lead.pop("first_name", None)
        lead.pop("last_name", None)
        lead["full_name"] = family + rng.choice(("丽", "强", "敏"))
    else:
        family = person["latin"][1] if rng.random() < 0.6 else "Fischer"
        lead.update(first_name=rng.choice(("Greta", "Tomasz", "Ewa")), last_name=family)
    lead.pop("email", None)
    return lead
