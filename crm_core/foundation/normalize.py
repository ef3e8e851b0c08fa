"""Normalised keys for duplicate detection: the same company or phone written differently."""

from __future__ import annotations

import re
import unicodedata

from crm_core.foundation.errors import ValidationError

# Longest first, so "股份有限公司" is removed whole rather than leaving "股份".
LEGAL_SUFFIXES = tuple(
    sorted(
        (
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团公司",
            "集团",
            "公司",
            "coltd",
            "limited",
            "ltd",
            "inc",
            "corp",
            "corporation",
            "llc",
            "gmbh",
            "co",
        ),
        key=len,
        reverse=True,
    )
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

#: Default-ignorable code points (Unicode's Default_Ignorable_Code_Point): invisible, so a name
#: with one added must be the same name. The Hangul fillers are letters to a regex, but blank.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
#: Letters of other scripts that look Latin (Cyrillic and Greek, from the confusables of
#: Unicode TS #39), folded to the Latin letter they are mistaken for, after case folding.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
        "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "ω": "w",
    }
)  # fmt: skip
#: Common Chinese variant characters (异体字, and the traditional forms most often typed in
#: company names), folded to the standard simplified form.
_VARIANTS = str.maketrans(
    {
        "祕": "秘", "峯": "峰", "羣": "群", "裏": "里", "裡": "里", "綫": "线", "線": "线",
        "夥": "伙", "菓": "果", "粧": "妆", "蹟": "迹", "鑛": "矿", "礦": "矿", "衆": "众",
        "眾": "众", "畧": "略", "匯": "汇", "滙": "汇", "壹": "一", "貳": "二", "叁": "三",
        "國": "国", "華": "华", "東": "东", "廣": "广", "産": "产", "產": "产",
        "業": "业", "電": "电", "氣": "气", "機": "机", "實": "实", "貿": "贸",
        "發": "发", "達": "达", "興": "兴", "團": "团",
        "遠": "远", "長": "长", "龍": "龙", "鳳": "凤", "馬": "马", "陽": "阳", "陰": "阴",
        "銀": "银", "鐵": "铁", "鋼": "钢", "網": "网", "絡": "络", "軟": "软", "體": "体",
        "術": "术", "醫": "医", "藥": "药", "農": "农", "貨": "货", "運": "运", "輸": "输",
        "門": "门", "開": "开", "關": "关", "時": "时", "間": "间", "學": "学", "億": "亿",
        "萬": "万", "與": "与", "製": "制", "裝": "装", "飾": "饰", "務": "务", "區": "区",
        "會": "会", "眞": "真", "爲": "为", "為": "为", "亞": "亚", "歐": "欧", "豐": "丰",
        "寶": "宝", "聖": "圣", "鴻": "鸿", "錦": "锦", "綠": "绿", "環": "环", "潔": "洁",
    }
)  # fmt: skip


def skeleton(text: str) -> str:
    """What a person sees: compatibility forms unified (NFKC), case folded, invisible code
    points removed, look-alike letters of other scripts and common Chinese variant
    characters folded."""
    folded = unicodedata.normalize("NFKC", _IGNORABLE.sub("", text)).casefold()
    return _IGNORABLE.sub("", folded).translate(_LOOKALIKES).translate(_VARIANTS)


def name_key(name: str) -> str:
    """The name's skeleton without punctuation, spaces or a legal suffix.

    "北京华远科技有限公司", "北京 华远科技（有限公司）", "北京華遠科技" and "北京华远科技" with a
    zero-width space or a Hangul filler share one key, as do "Acme" and "Аcme" (a Cyrillic А).
    """
    text = _NOT_WORD.sub("", skeleton(name))
    for suffix in LEGAL_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if not text:
        raise ValidationError(f"customer name {name[:60]!r} has no letters or digits")
    return text


#: Where the number ends and an extension begins: "转 12", "ext. 12", "x12", "#12", "分机 12".
_EXTENSION = re.compile(r"(转|分机|ext\.?|extension|x|#|,|;).*\Z", re.IGNORECASE)


def _ascii_digits(text: str) -> str:
    """The decimal digits of any script (Arabic-Indic, Devanagari, full-width ...) as 0-9."""
    return "".join(
        str(unicodedata.digit(char)) for char in text if unicodedata.digit(char, None) is not None
    )


def phone_key(phone: str | None) -> str | None:
    """The number in Chinese national form, digits only, without an extension; None when there
    is no phone.

    "+86 138 0013 8000", "13800138000", "086 13800138000", "138-0013-8000 转 12" and the same
    digits in another script match; so do "+86 571 8765 4321" and "0571-87654321" (the
    international form drops the trunk prefix 0 of a landline, which is put back).
    """
    if phone is None or not phone.strip():
        return None
    number = _EXTENSION.sub("", _IGNORABLE.sub("", unicodedata.normalize("NFKC", phone)))
    digits = _ascii_digits(number)
    for prefix in ("0086", "086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix) :]
            is_mobile = len(digits) == 11 and digits.startswith("1")
            if not is_mobile and not digits.startswith("0"):
                digits = "0" + digits
            break
    if len(digits) < 5:
        raise ValidationError(f"phone {phone[:40]!r} has too few digits")
    return digits
