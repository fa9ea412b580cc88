"""Writing-system tables for name matching: Latin folding, Cyrillic to Latin, pinyin facts.

Everything here is a constant or a pure function over constants, so it is cheap to import.

Cyrillic is transliterated with a simple GOST 7.79 System B / BGN-style table reduced to plain
ASCII — the spelling people type themselves: Иван Петров → ivan petrov, Юлия → yuliya,
Щукин → shchukin, Хрущёв → khrushchev. Hard and soft signs vanish. Ukrainian і ї є ґ and
Belarusian ў are covered too. Spelling variants the table does not produce (Iuliia, Khrushchov)
are left to the fuzzy comparison in scoring.
"""

from __future__ import annotations

import functools
import unicodedata

CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ј": "j", "љ": "lj",
    "њ": "nj", "ћ": "c", "ђ": "dj", "џ": "dz", "ѕ": "dz",
}  # fmt: skip

# Latin letters that do not decompose into a base letter plus accents.
LATIN_SPECIALS: dict[str, str] = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l",
    "ı": "i", "ħ": "h", "ŋ": "ng", "ŧ": "t", "ĸ": "k", "ſ": "s",
}  # fmt: skip

_FOLD_TABLE = str.maketrans({**CYRILLIC_TO_LATIN, **LATIN_SPECIALS})

# Every pinyin syllable (toneless, ü written u), from pypinyin's dictionary, minus interjections
# (m, n, ng, hm, hng) that would make initials look like pinyin.
PINYIN_SYLLABLES: frozenset[str] = frozenset(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
    cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai
    chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
    deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
    fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
    gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken
    keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian
    liang liao lie lin ling liu lo long lou lu luan lue lun luo ma mai man mang mao me mei men
    meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian
    niang niao nie nin ning niu nong nou nu nuan nue nuo o ou pa pai pan pang pao pei pen peng
    pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan
    que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se
    sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang
    shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie
    ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao
    xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan
    yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi
    zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """.split()  # noqa: SIM905 - a table of words reads best as text
)
_LONGEST_SYLLABLE = max(map(len, PINYIN_SYLLABLES))
MAX_GIVEN_SYLLABLES = 2

# ü is typed v or yu when a keyboard has no ü (吕 Lü / Lv / Lyu); all fold to u like Lü does.
PINYIN_ALIASES: dict[str, str] = {"lv": "lu", "lyu": "lu", "nv": "nu", "nyu": "nu"}

# Compound surnames rank before single ones: in "Ouyang Xiao Ming" the two-syllable word is the
# family name. Singles follow in order of frequency (2020 census), so in "Xiao Ming Zhang" the
# commoner Zhang, not Xiao, is taken for the family name.
PINYIN_SURNAMES: tuple[str, ...] = tuple(
    """
    ouyang sima zhuge shangguan dongfang huangfu yuchi gongsun murong zhangsun yuwen situ
    xiahou xuanyuan linghu zhongli duanmu nangong ximen dugu moqi
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng
    liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye
    cheng wei su lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou
    meng xiong qin qiu yin xue yan duan lei hou long tao gu mao hao gong shao wan qian kong
    dai mo xiang chang kang niu wen
    """.split()  # noqa: SIM905 - a table of words reads best as text
)
SURNAME_RANK: dict[str, int] = {name: rank for rank, name in enumerate(PINYIN_SURNAMES)}

# Hanzi compound surnames: a name starting with one of these keeps two characters as family name.
HANZI_COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 南宫 "  # noqa: SIM905
    "西门 独孤 万俟".split()
)

# Characters read differently as a family name than in ordinary words (单 dan → Shan).
HANZI_SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie", "朴": "piao",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai",
    "员": "yun", "秘": "bi", "折": "she", "种": "chong", "牟": "mu", "隗": "wei",
    "薄": "bo", "召": "shao", "句": "gou", "繁": "po", "能": "nai",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower-case ASCII-ish Latin: case folded, Cyrillic transliterated, accents stripped.

    Letters of other scripts (Greek, Arabic, kana …) pass through case folded.
    """
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded.translate(_FOLD_TABLE))
    # Again after decomposing: ǽ only becomes æ, and ѐ only е, once the accent is split off.
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD_TABLE)


@functools.lru_cache(maxsize=4096)
def syllable_count(word: str) -> int | None:
    """The fewest pinyin syllables `word` splits into ("xiaoming" → 2), or None if it does not."""
    best: list[int | None] = [0]
    for end in range(1, len(word) + 1):
        counts = [
            before + 1
            for start in range(max(0, end - _LONGEST_SYLLABLE), end)
            if (before := best[start]) is not None and word[start:end] in PINYIN_SYLLABLES
        ]
        best.append(min(counts) if counts else None)
    return best[-1]


def split_surname(word: str) -> tuple[str, str] | None:
    """A run-together pinyin name as (family, given): "wangwei" → ("wang", "wei"), else None."""
    for surname in PINYIN_SURNAMES:
        if not word.startswith(surname) or len(word) == len(surname):
            continue
        count = syllable_count(word[len(surname) :])
        if count is not None and count <= MAX_GIVEN_SYLLABLES:
            return surname, word[len(surname) :]
    return None
