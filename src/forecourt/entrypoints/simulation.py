"""A lead simulator: the brand's channels at work, as JSON bodies for `POST /api/v1/leads`.

A live-broadcast show is on air in China: sign-ups arrive from cities of every tier, most with a
phone number only, some with a name in Hanzi; a road show runs in Ganzhou. Web, dealer and
call-centre enquiries come in from the European launch markets, names with their diacritics.
About one lead in five is a returning customer who comes back through another door under another
spelling (pinyin for Hanzi, traditional characters, other name order, no diacritics, the phone in
international format, the e-mail in capitals), so identity resolution has work to do.

Seeded, so a run can be repeated; no third-party data generator, so the demo needs none.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import opencc
import phonenumbers
from pypinyin import lazy_pinyin

from forecourt.customer.matching.translit import fold

CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
)
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "浩然",
    "子轩",
    "雨涵",
    "梓涵",
    "欣怡",
    "宇轩",
    "俊杰",
    "思远",
    "嘉怡",
    "晓明",
    "志强",
    "海燕",
    "建华",
    "文博",
    "佳琪",
    "一鸣",
    "雪梅",
]
# Cities of every tier where the show is watched, by their Chinese names (the gazetteer knows them).
CN_CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "成都",
    "杭州",
    "武汉",
    "西安",
    "重庆",
    "南京",
    "郑州",
    "长沙",
    "苏州",
    "洛阳",
    "赣州",
    "遵义",
    "宜昌",
    "绵阳",
    "上饶",
    "南阳",
    "商丘",
    "岳阳",
    "常德",
    "宜宾",
    "邯郸",
    "保定",
    "曲靖",
    "六安",
    "信阳",
    "周口",
]
ROAD_SHOW = ("RS-CN-GANZHOU", "赣州")


@dataclass(frozen=True)
class Market:
    """A European launch market as the simulator sees it: its people, cities and channels."""

    code: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[str, ...]


EUROPE = (
    Market(
        "DE",
        ("Jürgen", "Lena", "Björn", "Sophie", "Lukas", "Anna"),
        ("Müller", "Schäfer", "Weiß", "Köhler", "Groß", "Fischer"),
        ("München", "Berlin", "Hamburg"),
    ),
    Market(
        "FR",
        ("Hélène", "François", "Léa", "Noël", "Chloé", "Étienne"),
        ("Lefèvre", "Girard", "Bonnet", "Mercier", "Durand", "Rousseau"),
        ("Paris", "Lyon"),
    ),
    Market(
        "PL",
        ("Łukasz", "Małgorzata", "Paweł", "Zofia", "Michał", "Agnieszka"),
        ("Wiśniewski", "Wójcik", "Kowalczyk", "Zieliński", "Dąbrowska", "Nowak"),
        ("Warszawa", "Kraków", "Wrocław"),
    ),
    Market(
        "CZ",
        ("Jiří", "Tereza", "Lukáš", "Kateřina", "Tomáš", "Petra"),
        ("Dvořák", "Novotná", "Černý", "Procházka", "Kučera", "Veselá"),
        ("Praha", "Brno"),
    ),
    Market(
        "SK",
        ("Ľubomír", "Zuzana", "Matúš", "Katarína", "Peter", "Jana"),
        ("Kováč", "Horváthová", "Varga", "Tóth", "Baláž", "Szabó"),
        ("Bratislava",),
    ),
    Market(
        "IT",
        ("Niccolò", "Giulia", "Luca", "Chiara", "Matteo", "Francesca"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
        ("Milano", "Roma"),
    ),
    Market(
        "ES",
        ("José", "María", "Íñigo", "Lucía", "Álvaro", "Carmen"),
        ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez"),
        ("Madrid", "Barcelona"),
    ),
    Market(
        "AT",
        ("Maximilian", "Lea", "Jakob", "Hannah"),
        ("Gruber", "Huber", "Bauer", "Wagner"),
        ("Wien",),
    ),
)
EUROPE_CHANNELS = ("web", "web", "dealer", "call_centre", "multibrand", "in_car")
MODELS = ("Lumen Sedan", "Lumen Hatch", "Lumen Estate", "Vela", "Vela Coupé", "Terra")
MAIL_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass
class Person:
    """Someone the simulator has already sent, so they can come back under another spelling."""

    country: str
    first_name: str
    last_name: str
    hanzi: bool
    phone: str | None
    email: str | None
    city: str


@dataclass
class LeadSimulator:
    """Generates realistic lead bodies, one call at a time; `returning` of them are people seen
    before, through another door and under another spelling."""

    seed: int = 7
    returning: float = 0.2
    _rng: random.Random = field(init=False)
    _seen: list[Person] = field(init=False, default_factory=list)
    _serial: itertools.count[int] = field(init=False, default_factory=itertools.count)
    _run: str = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._run = f"{self._rng.getrandbits(32):08x}"

    def next_lead(self) -> dict[str, Any]:
        """The next lead's JSON body."""
        rng = self._rng
        if self._seen and rng.random() < self.returning:
            body = self._returning(rng.choice(self._seen))
        elif rng.random() < 0.55:
            body = self._live_broadcast()
        else:
            body = self._europe()
        body["source_id"] = f"sim-{self._run}-{next(self._serial)}"
        return body

    def _live_broadcast(self) -> dict[str, Any]:
        rng = self._rng
        person = self._remember(self._chinese())
        road_show = rng.random() < 0.15
        body: dict[str, Any] = {
            "channel": "road_show" if road_show else "live_broadcast",
            "phone": person.phone,
            "city": ROAD_SHOW[1] if road_show else person.city,
            "country": "CN",
            "model_interest": rng.choice(("Lumen Hatch", "Vela", "Lumen Sedan")),
            "campaign_code": ROAD_SHOW[0] if road_show else "LIVE-CN-2026-11",
            "consents": _consents(rng),
        }
        if road_show or rng.random() < 0.35:  # most viewers leave a phone number only
            body["full_name"] = person.last_name + person.first_name
        return body

    def _chinese(self) -> Person:
        rng = self._rng
        return Person(
            country="CN",
            first_name=rng.choice(CN_GIVEN),
            last_name=rng.choice(CN_SURNAMES),
            hanzi=True,
            phone=_cn_mobile(rng),
            email=None,
            city=rng.choice(CN_CITIES),
        )

    def _europe(self) -> dict[str, Any]:
        rng = self._rng
        person = self._remember(self._european(rng.choice(EUROPE)))
        return {
            "channel": rng.choice(EUROPE_CHANNELS),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "email": person.email,
            "city": person.city,
            "country": person.country,
            "model_interest": rng.choice(MODELS),
            "consents": _consents(rng),
        }

    def _european(self, market: Market) -> Person:
        rng = self._rng
        first, last = rng.choice(market.first_names), rng.choice(market.last_names)
        local = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}".lower()
        return Person(
            country=market.code,
            first_name=first,
            last_name=last,
            hanzi=False,
            phone=_national_mobile(market.code, rng) if rng.random() < 0.8 else None,
            email=f"{local}@{rng.choice(MAIL_DOMAINS)}",
            city=rng.choice(market.cities),
        )

    def _remember(self, person: Person) -> Person:
        self._seen.append(person)
        if len(self._seen) > 5_000:  # returning customers come from the recent past
            self._seen.pop(0)
        return person

    def _returning(self, person: Person) -> dict[str, Any]:
        """The same person through another door: another script, order, format or case."""
        rng = self._rng
        body: dict[str, Any] = {
            "channel": rng.choice(("web", "call_centre", "dealer", "in_car")),
            "full_name": _respelled(person, rng),
            "city": person.city,
            "country": person.country,
            "model_interest": rng.choice(MODELS),
            # Marked so a demo (and its tests) can tell how well returning people are recognised.
            "attributes": {"simulated": "returning"},
        }
        if person.phone:
            body["phone"] = _international(person.phone, person.country)
        if person.email:
            body["email"] = person.email.upper() if rng.random() < 0.5 else person.email
        return body


@functools.cache
def _traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")  # built on first use: importing the CLI should not load it


def _respelled(person: Person, rng: random.Random) -> str:
    if person.hanzi:
        choice = rng.random()
        if choice < 0.4:  # pinyin, given name first, as a Western form asks
            return " ".join(
                [
                    "".join(lazy_pinyin(person.first_name)).title(),
                    "".join(lazy_pinyin(person.last_name)).title(),
                ]
            )
        if choice < 0.6:
            return str(_traditional().convert(person.last_name + person.first_name))
        return person.last_name + person.first_name
    if rng.random() < 0.5:
        return f"{_ascii(person.last_name)} {_ascii(person.first_name)}"
    return f"{person.first_name} {_ascii(person.last_name)}"


def _ascii(name: str) -> str:
    """A name as typed on a keyboard without its letters: Łukasz → Lukasz, Groß → Gross."""
    return fold(name).title()


CN_MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
    "199",
]


def _cn_mobile(rng: random.Random) -> str:
    return f"{rng.choice(CN_MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def _national_mobile(country: str, rng: random.Random) -> str:
    """A valid-looking mobile number in the country's national format."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # every launch market has mobile numbers
    digits = str(example.national_number)
    example.national_number = int(digits[:-4] + f"{rng.randint(0, 9999):04d}")
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def _international(phone: str, country: str) -> str:
    parsed = phonenumbers.parse(phone, country)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _consents(rng: random.Random) -> list[dict[str, Any]]:
    consents = [{"purpose": "service", "granted": True}]
    if rng.random() < 0.6:
        consents.append({"purpose": "marketing", "granted": True, "channel": "any"})
    return consents
