"""Synthetic people for the benchmarks, seeded so that every run sees the same data.

Two generators:

- `population` / `variant`: the stored customers of the online-latency benchmark (one clean
  record each, names from small pools so common names repeat) and a returning person under
  another spelling.
- `multichannel`: a labelled multi-channel data set for accuracy. Each true person (in China or
  a European launch market) reaches the brand through several channels, and each channel
  writes them down its own way: Hanzi simplified or traditional, pinyin in either order with
  or without spaces and tone marks, Latin with or without diacritics, Cyrillic or one of three
  transliterations of it; phones in national or international format; e-mails in any case;
  typos, homophones picked by a Chinese input method, gaps, a second phone. Very common
  Chinese names are shared by many people of one city, and households share a phone or an
  e-mail while being different people.
"""

from __future__ import annotations

import functools
import itertools
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import phonenumbers
from faker import Faker
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

# --- the online benchmark's stored population (kept as it was, so stored files stay valid) ---

CITIES = {
    "CN": ["上海", "北京", "广州", "深圳", "成都", "武汉", "洛阳", "赣州", "遵义", "绵阳", "宜昌", "上饶"],
    "DE": ["Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart"],
    "PL": ["Warsaw", "Kraków", "Wrocław", "Gdańsk", "Poznań"],
}  # fmt: skip
LOCALES = {"CN": "zh_CN", "DE": "de_DE", "PL": "pl_PL"}


def population(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """Synthetic people: names drawn from small pools, so common names repeat many times."""
    rng = random.Random(seed)
    pools = {c: _name_pool(loc, seed) for c, loc in LOCALES.items()}
    for n in range(count):
        country = rng.choices(("CN", "DE", "PL"), weights=(6, 2, 2))[0]
        first, last = rng.choice(pools[country])
        yield {
            "first_name": first,
            "last_name": last,
            "phone": _population_phone(country, rng),
            "email": f"{_ascii(first)}.{_ascii(last)}.{n}@example.com"
            if rng.random() < 0.6
            else None,
            "city": rng.choice(CITIES[country]),
            "country": country,
        }


def _name_pool(locale: str, seed: int) -> list[tuple[str, str]]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [(fake.first_name(), fake.last_name()) for _ in range(3000)]


def _population_phone(country: str, rng: random.Random) -> str:
    if country == "CN":
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    prefix = {"DE": "+49 151", "PL": "+48 601"}[country]
    return f"{prefix} {rng.randrange(10**7):07d}"


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha()) or "x"


def variant(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same person through another door: other name order or script, phone format, case."""
    changed = dict(person)
    changed["full_name"] = f"{person['last_name']} {person['first_name']}"
    changed.pop("first_name")
    changed.pop("last_name")
    if rng.random() < 0.5 and changed["email"]:
        changed["email"] = changed["email"].upper()
    changed["phone"] = ("+86 " if person["country"] == "CN" else "") + person["phone"]
    return changed


# --- the multi-channel accuracy set ----------------------------------------------------------

CHANNELS = (
    "web",
    "dealer",
    "multibrand",
    "call_centre",
    "live_broadcast",
    "road_show",
    "in_car",
    "partner",
)
#: How often each channel is the door, in China and in Europe.
CHANNEL_WEIGHTS = {
    "CN": (20, 20, 8, 15, 15, 10, 7, 5),
    "EU": (30, 25, 12, 15, 2, 6, 6, 4),
}
#: Markets of European persons and their weights; RU writes in Cyrillic.
EU_MARKETS = {
    "DE": 20, "FR": 14, "IT": 12, "ES": 10, "GB": 10, "NL": 6, "PL": 8, "CZ": 5, "RU": 8, "TR": 7,
}  # fmt: skip
EU_LOCALES = {
    "DE": "de_DE", "FR": "fr_FR", "IT": "it_IT", "ES": "es_ES", "GB": "en_GB", "NL": "nl_NL",
    "PL": "pl_PL", "CZ": "cs_CZ", "RU": "ru_RU", "TR": "tr_TR",
}  # fmt: skip
#: Cities by market, biggest first, with their weights: people concentrate in big cities.
MARKET_CITIES: dict[str, tuple[tuple[str, int], ...]] = {
    "CN": (("上海", 25), ("北京", 20), ("广州", 12), ("深圳", 12), ("成都", 8), ("武汉", 6),
           ("杭州", 5), ("重庆", 5), ("西安", 4), ("南京", 3)),
    "DE": (("Berlin", 5), ("Hamburg", 3), ("München", 3), ("Köln", 2), ("Stuttgart", 1)),
    "FR": (("Paris", 5), ("Lyon", 2), ("Marseille", 2), ("Toulouse", 1)),
    "IT": (("Roma", 4), ("Milano", 4), ("Napoli", 2), ("Torino", 2)),
    "ES": (("Madrid", 4), ("Barcelona", 4), ("Valencia", 2), ("Sevilla", 1)),
    "GB": (("London", 6), ("Birmingham", 2), ("Manchester", 2), ("Leeds", 1)),
    "NL": (("Amsterdam", 3), ("Rotterdam", 2), ("Utrecht", 1)),
    "PL": (("Warszawa", 4), ("Kraków", 2), ("Wrocław", 2), ("Gdańsk", 1)),
    "CZ": (("Praha", 4), ("Brno", 2), ("Ostrava", 1)),
    "RU": (("Москва", 5), ("Санкт-Петербург", 3), ("Казань", 1)),
    "TR": (("İstanbul", 5), ("Ankara", 2), ("İzmir", 2)),
}  # fmt: skip
#: Names so common that dozens of different people in one city bear them.
VERY_COMMON_CN = (  # noqa: SIM905 - a table of words reads best as text
    "王伟 李娜 张伟 王芳 李伟 刘伟 王静 李静 张敏 王秀英 李秀英 张丽 刘洋 陈静 王磊 "
    "张杰 李强 王勇 李军 张静"
).split()
#: Characters of modern two-character given names.
GIVEN_CHARS = (  # noqa: SIM905 - a table of words reads best as text
    "子 梓 浩 宇 轩 涵 欣 怡 晨 思 雨 佳 嘉 俊 文 博 雅 婷 鑫 磊 志 建 明 晓 海 燕 "
    "国 华 玉 兰 秀 英 春 梅 丽 红 新 伟 强 军 平 刚 辉 鹏 飞 亮 斌 超 杰 涛 琳 静 "
    "敏 芳 娜 丹 宁 凯 瑞 睿 诗 一 诺 可 安 天 泽 铭 昊 然 宏 利"
).split()
#: Family names whose surname reading differs from the ordinary one.
SURNAME_PINYIN = {"曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao",
                  "查": "zha", "乐": "yue", "覃": "qin", "翟": "zhai", "盖": "ge", "缪": "miao"}  # fmt: skip
#: The German spelling of Russian names (as a German dealer would type them).
CYRILLIC_GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "е": "e", "ё": "jo", "ж": "sch", "з": "s",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
    "щ": "schtsch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
}  # fmt: skip
#: ICAO Doc 9303, the spelling in Russian passports since 2013.
CYRILLIC_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
#: The common self-typed spelling (BGN/PCGN without diacritics).
CYRILLIC_BGN = {**CYRILLIC_ICAO, "й": "y", "ъ": "", "ю": "yu", "я": "ya", "ё": "yo"}
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
EMAIL_DOMAINS = {
    "CN": ("163.com", "126.com", "sina.com", "foxmail.com"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net"),
    "IT": ("gmail.com", "libero.it", "virgilio.it"),
    "ES": ("gmail.com", "hotmail.es", "yahoo.es"),
    "GB": ("gmail.com", "outlook.com", "btinternet.com"),
    "NL": ("gmail.com", "ziggo.nl", "kpnmail.nl"),
    "PL": ("gmail.com", "wp.pl", "onet.pl", "o2.pl"),
    "CZ": ("gmail.com", "seznam.cz", "email.cz"),
    "RU": ("mail.ru", "yandex.ru", "gmail.com"),
    "TR": ("gmail.com", "hotmail.com", "yandex.com.tr"),
}


@dataclass(slots=True)
class Person:
    """One true person: the name in its own script and the contacts they use."""

    person_id: int
    market: str
    given: str
    family: str
    hanzi: bool
    city: str
    phone: str
    email: str | None
    second_phone: str | None = None
    household: int | None = None
    shared_phone: str | None = None
    shared_email: str | None = None


@dataclass(frozen=True, slots=True)
class Lead:
    """One source record as a channel delivers it, with the true person behind it."""

    source_id: str
    person_id: int
    channel: str
    country: str
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    city: str | None = None

    def fields(self) -> dict[str, str | None]:
        """The keyword arguments of `normalise_person` (besides the record id)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": self.full_name,
            "phone": self.phone,
            "email": self.email,
            "city": self.city,
            "country": self.country,
        }


@dataclass
class _Draw:
    """The generator's state: its random source, name pools and which contacts are taken."""

    rng: random.Random
    fakers: dict[str, Faker]
    taken: set[str] = field(default_factory=set)


def multichannel(persons: int = 12_000, seed: int = 2026) -> list[Lead]:
    """A labelled multi-channel lead set: about 2.3 records a person, in arrival order."""
    draw = _Draw(random.Random(seed), _fakers(seed))
    people = [_person(pid, draw) for pid in range(persons)]
    _households(people, draw)
    leads = [lead for p in people for lead in _leads_of(p, draw)]
    draw.rng.shuffle(leads)  # leads arrive interleaved, not person by person
    return leads


def _fakers(seed: int) -> dict[str, Faker]:
    fakers = {m: Faker(loc) for m, loc in {"CN": "zh_CN", **EU_LOCALES}.items()}
    for n, fake in enumerate(fakers.values()):
        fake.seed_instance(seed + n)
    return fakers


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]] | dict[str, int]) -> str:
    items = list(table.items()) if isinstance(table, dict) else list(table)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _person(pid: int, draw: _Draw) -> Person:
    """A Chinese person (60 %) or a European one."""
    rng = draw.rng
    market = "CN" if rng.random() < 0.6 else _weighted(rng, EU_MARKETS)
    given, family = _cn_name(draw) if market == "CN" else _eu_name(market, draw)
    city = _weighted(rng, MARKET_CITIES[market])
    phone = _mobile(market, draw)
    second = _mobile(market, draw) if rng.random() < 0.08 else None
    email = _email_address(market, given, family, draw) if rng.random() < 0.8 else None
    return Person(pid, market, given, family, market == "CN", city, phone, email, second)


def _cn_name(draw: _Draw) -> tuple[str, str]:
    """(given, family) in Hanzi: a very common name for one in eight, else a drawn one."""
    rng, fake = draw.rng, draw.fakers["CN"]
    if rng.random() < 0.12:
        full = rng.choice(VERY_COMMON_CN)
        return full[1:], full[0]
    family = fake.last_name()
    if rng.random() < 0.4:
        return fake.first_name(), family
    return rng.choice(GIVEN_CHARS) + rng.choice(GIVEN_CHARS), family


def _eu_name(market: str, draw: _Draw) -> tuple[str, str]:
    """(given, family) from the market's locale; a Russian speaker now and then in Germany."""
    locale = "RU" if market == "DE" and draw.rng.random() < 0.06 else market
    fake = draw.fakers[locale]
    return fake.first_name(), fake.last_name()


def _mobile(market: str, draw: _Draw) -> str:
    """A valid, unused mobile number of the market, in E.164."""
    example = phonenumbers.example_number_for_type(market, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # every launch market has an example mobile number
    national = str(example.national_number)
    while True:  # the example's first two digits, then any digits that make a valid number
        digits = national[:2] + "".join(draw.rng.choice("0123456789") for _ in national[2:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 not in draw.taken:
            draw.taken.add(e164)
            return e164


def _email_address(market: str, given: str, family: str, draw: _Draw) -> str:
    """A plausible unused address: QQ numbers and pinyin in China, first.last in Europe."""
    rng = draw.rng
    if market == "CN" and rng.random() < 0.45:
        return _unique(f"{rng.randrange(10**7, 10**10)}@qq.com", draw)
    g, f = latin_of(given, market, "plain"), latin_of(family, market, "plain")
    g, f = _ascii(g), _ascii(f)
    styles = [f"{g}.{f}", f"{g[0]}{f}", f"{f}{g}", f"{g}_{f}", f"{g}{rng.randrange(60, 99)}"]
    local = rng.choice(styles)
    return _unique(f"{local}@{rng.choice(EMAIL_DOMAINS[market])}", draw)


def _unique(address: str, draw: _Draw) -> str:
    """The address, with digits added until nobody else has it (a mailbox has one owner)."""
    local, _, domain = address.partition("@")
    candidate = address
    while candidate in draw.taken:
        candidate = f"{local}{draw.rng.randrange(1, 999)}@{domain}"
    draw.taken.add(candidate)
    return candidate


def _households(people: list[Person], draw: _Draw) -> None:
    """Join a person to the previous one's household (spouse, child, parent) now and then:
    9 % of the persons end up in a household (same market only).

    They live in one city; a child takes the family name; in China a spouse keeps their own.
    The household shares the head's phone (most) or e-mail (some) on part of its records.
    """
    rng = draw.rng
    for head, member in itertools.pairwise(people):
        if member.household is not None or head.market != member.market or rng.random() > 0.12:
            continue
        member.household = head.household = head.person_id
        member.city = head.city
        same_family = rng.random() < (0.5 if head.hanzi else 0.75)
        if same_family:
            member.family = head.family
        if rng.random() < 0.8:
            member.shared_phone = head.shared_phone = head.phone
        if head.email and rng.random() < 0.4:
            member.shared_email = head.shared_email = head.email


# --- one person through the channels ---------------------------------------------------------


def _leads_of(p: Person, draw: _Draw) -> Iterator[Lead]:
    """The person's records: 1 to 6 of them, each through a channel drawn for their region."""
    rng = draw.rng
    count = rng.choices((1, 2, 3, 4, 5, 6), weights=(35, 30, 17, 10, 5, 3))[0]
    region = "CN" if p.market == "CN" else "EU"
    for n in range(count):
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS[region])[0]
        yield CHANNEL_WRITERS[channel](p, f"{channel}-{p.person_id}-{n}", draw)


def _base(p: Person, source_id: str, channel: str) -> Lead:
    return Lead(source_id=source_id, person_id=p.person_id, channel=channel, country=p.market)


def _web(p: Person, sid: str, draw: _Draw) -> Lead:
    """A web form: the person types everything themselves, in their own script."""
    lead = _with_name(_base(p, sid, "web"), p, draw, typo=0.03, fields=0.7, latin=0.15)
    return replace(
        lead,
        phone=_phone_text(_phone_of(p, draw), draw, 0.95),
        email=_email_text(_email_of(p, draw), draw, 0.75, upper=0.05),
        city=_city_text(p, draw, 0.8),
    )


def _dealer(p: Person, sid: str, draw: _Draw) -> Lead:
    """A walk-in typed by dealer staff: more typos, diacritics often dropped, the dealer's city."""
    lead = _with_name(_base(p, sid, "dealer"), p, draw, typo=0.06, fields=0.9, latin=0.1, plain=0.4)
    return replace(
        lead,
        phone=_phone_text(_phone_of(p, draw), draw, 0.9),
        email=_email_text(_email_of(p, draw), draw, 0.3, upper=0.0),
        city=_city_text(p, draw, 0.9, elsewhere=0.15),
    )


def _multibrand(p: Person, sid: str, draw: _Draw) -> Lead:
    """A multibrand dealer's DMS export: upper-case ASCII names, international numbers."""
    lead = _with_name(
        _base(p, sid, "multibrand"), p, draw, typo=0.04, fields=0.8, latin=0.6, plain=1.0
    )
    return replace(
        lead,
        first_name=_upper(lead.first_name),
        last_name=_upper(lead.last_name),
        full_name=_upper(lead.full_name),
        phone=_phone_text(_phone_of(p, draw), draw, 0.85, style="intl00"),
        email=_email_text(_email_of(p, draw), draw, 0.4, upper=0.5),
        city=_city_text(p, draw, 0.7, elsewhere=0.1),
    )


def _call_centre(p: Person, sid: str, draw: _Draw) -> Lead:
    """An agent writes what they hear: pinyin or an input method's Hanzi, the caller's number."""
    rng = draw.rng
    lead = _with_name(
        _base(p, sid, "call_centre"),
        p,
        draw,
        typo=0.05,
        fields=0.5,
        latin=0.4,
        plain=0.6,
        homophone=0.06,
    )
    if p.hanzi and rng.random() < 0.08:
        lead = replace(lead, first_name=None, last_name=None, full_name=_honorific(p, rng))
    return replace(
        lead,
        phone=_phone_text(_phone_of(p, draw), draw, 0.98, style="e164"),
        email=_email_text(_email_of(p, draw), draw, 0.15, upper=0.1),
        city=_city_text(p, draw, 0.6),
    )


def _live_broadcast(p: Person, sid: str, draw: _Draw) -> Lead:
    """A sign-up during a live show: a phone, often nothing else; a name is often 王先生."""
    rng = draw.rng
    phone = _phone_text(_phone_of(p, draw), draw, 1)
    lead = replace(_base(p, sid, "live_broadcast"), phone=phone)
    if rng.random() < 0.35:
        named = _with_name(lead, p, draw, typo=0.03, fields=0.0, latin=0.05, homophone=0.04)
        full = _honorific(p, rng) if p.hanzi and rng.random() < 0.3 else named.full_name
        lead = replace(named, full_name=full)
    return replace(lead, city=_city_text(p, draw, 0.3))


def _road_show(p: Person, sid: str, draw: _Draw) -> Lead:
    """A road-show tablet, filled in by the visitor, in the city the show visits."""
    lead = _with_name(_base(p, sid, "road_show"), p, draw, typo=0.04, fields=0.8, latin=0.1)
    return replace(
        lead,
        phone=_phone_text(_phone_of(p, draw), draw, 0.9),
        email=_email_text(_email_of(p, draw), draw, 0.35, upper=0.05),
        city=_city_text(p, draw, 0.95, elsewhere=0.3),
    )


def _in_car(p: Person, sid: str, draw: _Draw) -> Lead:
    """A request from the car's touchscreen: the owner account's name, e-mail and phone."""
    lead = _with_name(_base(p, sid, "in_car"), p, draw, typo=0.0, fields=1.0, latin=0.5)
    return replace(
        lead,
        phone=_phone_text(p.phone, draw, 0.6, style="e164"),
        email=_email_text(p.email, draw, 0.8, upper=0.0),
        city=_city_text(p, draw, 0.2),
    )


def _partner(p: Person, sid: str, draw: _Draw) -> Lead:
    """A finance or insurance partner: names as on an ID document, Cyrillic as in a passport."""
    lead = _with_name(
        _base(p, sid, "partner"), p, draw, typo=0.01, fields=1.0, latin=0.3, icao=True
    )
    return replace(
        lead,
        phone=_phone_text(p.phone, draw, 0.9, style="intl"),
        email=_email_text(p.email, draw, 0.5, upper=0.2),
        city=_city_text(p, draw, 0.8),
    )


CHANNEL_WRITERS: dict[str, Callable[[Person, str, _Draw], Lead]] = {
    "web": _web,
    "dealer": _dealer,
    "multibrand": _multibrand,
    "call_centre": _call_centre,
    "live_broadcast": _live_broadcast,
    "road_show": _road_show,
    "in_car": _in_car,
    "partner": _partner,
}


def _upper(text: str | None) -> str | None:
    return text.upper() if text else text


# --- names ------------------------------------------------------------------------------------


def _with_name(
    lead: Lead,
    p: Person,
    draw: _Draw,
    *,
    typo: float,
    fields: float,
    latin: float,
    plain: float = 0.2,
    homophone: float = 0.0,
    icao: bool = False,
) -> Lead:
    """The lead with the person's name as this channel writes it (separate fields or one)."""
    rng = draw.rng
    given, family = p.given, p.family
    if p.hanzi and rng.random() < homophone:
        given = _homophone(given, rng)
    if p.hanzi and rng.random() >= latin:
        return _hanzi_name(lead, given, family, rng, fields)
    style = "icao" if icao else ("plain" if rng.random() < plain else "native")
    g, f = latin_of(given, p.market, style, rng), latin_of(family, p.market, style, rng)
    if rng.random() < typo:
        g, f = (typo_in(g, rng), f) if rng.random() < 0.5 else (g, typo_in(f, rng))
    if p.hanzi:
        return _pinyin_name(lead, g, f, rng, fields)
    if rng.random() < fields:
        swap = rng.random() < 0.05  # a form whose boxes are read the other way round
        return replace(lead, first_name=f if swap else g, last_name=g if swap else f)
    full = f"{f} {g}" if rng.random() < 0.2 else f"{g} {f}"
    return replace(lead, full_name=full)


def _hanzi_name(lead: Lead, given: str, family: str, rng: random.Random, fields: float) -> Lead:
    """Hanzi, simplified or (for some) traditional, in one box or two."""
    if rng.random() < 0.07:
        given, family = traditional(given), traditional(family)
    if rng.random() < fields:
        return replace(lead, first_name=given, last_name=family)
    return replace(lead, full_name=family + given)


def _pinyin_name(lead: Lead, given: str, family: str, rng: random.Random, fields: float) -> Lead:
    """Pinyin in the many ways people write it: either order, split or run together, capitals."""
    if rng.random() < 0.35 and len(given) > 3:
        given = _split_syllables(given)
    if rng.random() < fields:
        return replace(lead, first_name=given, last_name=family)
    form = rng.random()
    if form < 0.35:
        full = f"{family} {given}"
    elif form < 0.65:
        full = f"{given} {family}"
    elif form < 0.8:
        full = f"{family.upper()} {given}"
    else:
        full = f"{family}{given.replace(' ', '').replace('-', '').lower()}"
    return replace(lead, full_name=full)


def _split_syllables(given: str) -> str:
    """ "Xiaoming" → "Xiao Ming" or "Xiao-ming", as the characters were typed apart."""
    syllables = _syllables(given)
    if len(syllables) < 2:
        return given
    joiner = " " if len(syllables[0]) % 2 else "-"
    return joiner.join(s.capitalize() if joiner == " " else s for s in syllables).capitalize()


def _syllables(word: str) -> list[str]:
    """Greedy split of a pinyin word into syllables (longest first)."""
    from forecourt.customer.matching.translit import PINYIN_SYLLABLES  # noqa: PLC0415

    low, out = unicodedata.normalize("NFKD", word.lower()), []
    low = "".join(ch for ch in low if ch.isalpha() and ch.isascii())
    while low:
        size = next((n for n in range(6, 0, -1) if low[:n] in PINYIN_SYLLABLES), len(low))
        out.append(low[:size])
        low = low[size:]
    return out


def latin_of(name: str, market: str, style: str, rng: random.Random | None = None) -> str:
    """The name in Latin letters: pinyin (with tone marks now and then), or a European name as
    written natively, without diacritics ("plain"), or Cyrillic in one of its spellings."""
    if _is_hanzi(name):
        return _pinyin_of(name, with_tones=rng is not None and rng.random() < 0.08)
    if _is_cyrillic(name):
        if style == "native" and rng is not None and rng.random() < 0.6:
            return name
        table = _cyrillic_table(market, style, rng)
        return "".join(table.get(ch, table.get(ch.lower(), ch)) for ch in name).capitalize()
    if style == "native":
        return name
    return _plain(name, german=market == "DE" and rng is not None and rng.random() < 0.5)


def _cyrillic_table(market: str, style: str, rng: random.Random | None) -> dict[str, str]:
    if style == "icao":
        return CYRILLIC_ICAO
    if market == "DE" and rng is not None and rng.random() < 0.6:
        return CYRILLIC_GERMAN
    return CYRILLIC_BGN


def _plain(name: str, *, german: bool) -> str:
    """Diacritics dropped (Müller → Muller), or spelt out the German way (Müller → Mueller)."""
    if german:
        for k, v in {
            "ä": "ae",
            "ö": "oe",
            "ü": "ue",
            "ß": "ss",
            "Ä": "Ae",
            "Ö": "Oe",
            "Ü": "Ue",
        }.items():
            name = name.replace(k, v)
    special = {"ł": "l", "Ł": "L", "ı": "i", "İ": "I", "ø": "o", "đ": "d"}
    name = "".join(special.get(ch, ch) for ch in name)
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _pinyin_of(hanzi: str, *, with_tones: bool) -> str:
    """Capitalised pinyin of a Hanzi name part, surname readings respected."""
    if hanzi in SURNAME_PINYIN:
        return SURNAME_PINYIN[hanzi].capitalize()
    style = Style.TONE if with_tones else Style.NORMAL
    return "".join(lazy_pinyin(hanzi, style=style, v_to_u=True)).capitalize()


def _is_hanzi(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


@functools.cache
def _s2t() -> Any:
    return OpenCC("s2t")


def traditional(text: str) -> str:
    """Simplified Hanzi written traditional (张伟 → 張偉)."""
    return str(_s2t().convert(text))


@functools.cache
def _homophones() -> dict[str, list[str]]:
    """Given-name characters grouped by toneless reading: what an input method offers."""
    pool = set(GIVEN_CHARS) | {ch for full in VERY_COMMON_CN for ch in full[1:]}
    pool |= set(
        "玮薇维卫蔚威巍纬炜伟娜那纳静晶婧菁敏民珉芳方坊丽莉俐力磊蕾雷洋阳扬杨勇永咏杰洁捷军君均"
    )
    groups: dict[str, list[str]] = {}
    for ch in sorted(pool):
        groups.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    return {k: v for k, v in groups.items() if len(v) > 1}


def _homophone(given: str, rng: random.Random) -> str:
    """One character of the given name replaced by another with the same sound (伟 → 玮)."""
    groups = _homophones()
    spots = [i for i, ch in enumerate(given) if lazy_pinyin(ch)[0] in groups]
    if not spots:
        return given
    i = rng.choice(spots)
    others = [c for c in groups[lazy_pinyin(given[i])[0]] if c != given[i]]
    return given[:i] + rng.choice(others) + given[i + 1 :]


def _honorific(p: Person, rng: random.Random) -> str:
    """The family name with 先生 (Mr) or 女士 / 小姐 (Ms), as a show host or an agent writes it."""
    return p.family + rng.choice(("先生", "女士", "小姐"))


def typo_in(word: str, rng: random.Random) -> str:
    """One keyboard slip: a neighbour key, a dropped, doubled or swapped letter."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + _neighbour(word[i], rng) + word[i + 1 :]
    if kind < 0.6:
        return word[:i] + word[i + 1 :]
    if kind < 0.8:
        return word[:i] + word[i] + word[i:]
    j = min(i + 1, len(word) - 1)
    return word[:i] + word[j] + word[i] + word[j + 1 :] if j > i else word


def _neighbour(ch: str, rng: random.Random) -> str:
    pos = _KEYBOARD.find(ch.lower())
    if pos < 0:
        return ch
    near = [_KEYBOARD[k] for k in (pos - 1, pos + 1) if 0 <= k < len(_KEYBOARD)]
    near = [c for c in near if c != " "]
    return rng.choice(near) if near else ch


# --- contacts and places ----------------------------------------------------------------------


def _phone_of(p: Person, draw: _Draw) -> str:
    """Which number this record carries: the household's, a second one, or the own."""
    rng = draw.rng
    if p.shared_phone and rng.random() < 0.5:
        return p.shared_phone
    if p.second_phone and rng.random() < 0.4:
        return p.second_phone
    return p.phone


def _email_of(p: Person, draw: _Draw) -> str | None:
    if p.shared_email and draw.rng.random() < 0.5:
        return p.shared_email
    return p.email


def _phone_text(e164: str, draw: _Draw, present: float, style: str | None = None) -> str | None:
    """The number as someone wrote it: national, +international, 00-international or bare."""
    rng = draw.rng
    if rng.random() >= present:
        return None
    number = phonenumbers.parse(e164)
    if rng.random() < 0.01:  # one digit misheard or mistyped
        digits = str(number.national_number)
        k = rng.randrange(len(digits) - 4, len(digits))
        digits = digits[:k] + rng.choice("0123456789") + digits[k + 1 :]
        number = phonenumbers.parse(f"+{number.country_code}{digits}")
    style = style or rng.choice(("national", "national", "intl", "e164", "bare"))
    fmt = phonenumbers.PhoneNumberFormat
    if style == "national":
        return phonenumbers.format_number(number, fmt.NATIONAL)
    if style == "intl":
        return phonenumbers.format_number(number, fmt.INTERNATIONAL)
    if style == "intl00":
        return "00" + phonenumbers.format_number(number, fmt.INTERNATIONAL)[1:]
    if style == "bare":
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(number, fmt.E164)


def _email_text(address: str | None, draw: _Draw, present: float, *, upper: float) -> str | None:
    """The address as typed: missing, upper-cased, capitalised, or with a slip."""
    rng = draw.rng
    if address is None or rng.random() >= present:
        return None
    r = rng.random()
    if r < upper:
        return address.upper()
    if r < upper + 0.1:
        return address[0].upper() + address[1:]
    if r < upper + 0.13:
        local, _, domain = address.partition("@")
        return f"{typo_in(local, rng)}@{domain}"
    return address


def _city_text(p: Person, draw: _Draw, present: float, elsewhere: float = 0.05) -> str | None:
    """The city written down: often the home city, sometimes another (work, the show's)."""
    rng = draw.rng
    if rng.random() >= present:
        return None
    city = p.city
    if rng.random() < elsewhere:
        city = _weighted(rng, MARKET_CITIES[p.market])
    return _city_spelling(city, p.market, rng)


def _city_spelling(city: str, market: str, rng: random.Random) -> str:
    """上海 as 上海, 上海市 or Shanghai; European cities as spelt, or without diacritics."""
    if market == "CN":
        r = rng.random()
        if r < 0.2:
            return city + "市"
        if r < 0.4:
            return _pinyin_of(city, with_tones=False)
        return city
    return _plain(city, german=False) if rng.random() < 0.3 else city


def truth_pairs(leads: Sequence[Lead]) -> set[tuple[str, str]]:
    """Every pair of source ids that belong to one person (ordered within the pair)."""
    by_person: dict[int, list[str]] = {}
    for lead in leads:
        by_person.setdefault(lead.person_id, []).append(lead.source_id)
    return pairs_of_clusters(by_person.values())


def pairs_of_clusters(clusters: Iterator[list[str]] | Any) -> set[tuple[str, str]]:
    """Every pair of members within each cluster (ordered within the pair)."""
    pairs: set[tuple[str, str]] = set()
    for members in clusters:
        ordered = sorted(members)
        pairs.update(
            (ordered[i], ordered[j])
            for i in range(len(ordered))
            for j in range(i + 1, len(ordered))
        )
    return pairs
