"""Likely duplicate customers: names that differ by a typo or a near-synonym ("华远" and "华源"),
which the exact name key cannot catch.

Comparing every pair of a million names is 5 * 10^11 comparisons. The scan blocks instead: a
name is filed under the first four letters of its core (the name after its place: "杭州华远科技"
-> "华远科技") and, in four more passes, under those four with one left out, so "华远科技" and
"华源科技" meet under "华科技". Names with different numbers never pair, so the numbers are part of the block. Within a
block, rapidfuzz scores all pairs in C++ on every core (`process.cdist`). Only visible customers are read, so a salesperson finds the duplicates
among their own customers and the pool, and an admin finds them all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

import attrs
from sqlalchemy import select

from crm_core.hooks.context import Context
from crm_core.kernel.models import Customer, User

#: Provinces, municipalities and large cities a company name often starts with.
_PLACE_NAMES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    "杭州 宁波 温州 苏州 无锡 常州 南京 合肥 福州 厦门 泉州 南昌 济南 青岛 郑州 武汉 长沙 "
    "广州 深圳 东莞 佛山 珠海 成都 贵阳 昆明 西安 兰州 沈阳 大连 长春 哈尔滨 石家庄 太原 "
    "呼和浩特 南宁 海口 拉萨 银川 西宁 乌鲁木齐"
)
PLACES = tuple(sorted(_PLACE_NAMES.split(" "), key=len, reverse=True))
#: Blocks above this size are split by one more character before comparing all pairs.
BLOCK_LIMIT = 3_000
_DIGITS = re.compile(r"\d+")


@attrs.frozen
class DuplicatePair:
    score: float
    first_id: int
    first_name: str
    first_owner: str | None
    second_id: int
    second_name: str
    second_owner: str | None


@attrs.frozen
class _Name:
    id: int
    key: str
    name: str
    owner: str | None


def core_of(key: str) -> str:
    """The name key without its leading place name (and a bracketed place after it)."""
    for place in PLACES:
        if key.startswith(place) and len(key) > len(place) + 1:
            key = key[len(place) :]
            break
    return key.removeprefix("市").removeprefix("省")


def blocking_key(key: str, left_out: int | None) -> str:
    """Where a name is looked for in one pass: its core's first four letters (with the letter at
    `left_out` left out, so a typo, a missing or an extra character still meets), then its
    numbers (names whose numbers differ are never paired, so they need never meet)."""
    letters = _DIGITS.sub("", core_of(key))[:4]
    if left_out is not None:
        letters = letters[:left_out] + letters[left_out + 1 :]
    return letters + "#" + "-".join(_DIGITS.findall(key))


def scan(ctx: Context, threshold: float = 80.0) -> Iterator[DuplicatePair]:
    """Pairs of visible customers whose name keys score at least `threshold` (0-100, rapidfuzz's
    normalised Indel similarity), best first within each block. Names whose numbers differ
    ("3号店" and "5号店") are different companies and never paired.

    Five passes (the whole four letters, then each one left out) keep one grouping in memory at
    a time."""
    names = [
        _Name(cid, key, name, login)
        for cid, key, name, login in ctx.session.execute(
            select(Customer.id, Customer.name_key, Customer.name, User.login)
            .outerjoin(User, User.id == Customer.owner_id)
            .execution_options(yield_per=50_000)
        )
    ]
    seen: set[tuple[int, int]] = set()
    for left_out in (None, 0, 1, 2, 3):
        blocks: dict[str, list[_Name]] = defaultdict(list)
        for item in names:
            blocks[blocking_key(item.key, left_out)].append(item)
        for members in blocks.values():
            if len(members) < 2:
                continue
            for score, first, second in _block_pairs(members, threshold):
                if (first.id, second.id) in seen:
                    continue
                seen.add((first.id, second.id))
                yield DuplicatePair(
                    round(float(score), 1),
                    first.id,
                    first.name,
                    first.owner,
                    second.id,
                    second.name,
                    second.owner,
                )


#: Below this many names a block is compared pair by pair (cdist's set-up costs more).
SMALL_BLOCK = 24


def _block_pairs(
    members: Sequence[_Name], threshold: float
) -> Iterator[tuple[float, _Name, _Name]]:
    """(score, first, second) for every pair of the block at or above the threshold, the lower
    id first and the best score first; compared in tiles of BLOCK_LIMIT names, so a large block
    costs time, not memory."""
    from rapidfuzz import fuzz, process  # here: only a duplicate search needs it

    keys = [item.key for item in members]
    found = []
    if len(members) < SMALL_BLOCK:
        for row in range(len(keys)):
            for column in range(row + 1, len(keys)):
                score = fuzz.ratio(keys[row], keys[column], score_cutoff=threshold)
                if score:
                    a, b = sorted((members[row], members[column]), key=lambda m: m.id)
                    found.append((float(score), a, b))
        found.sort(key=lambda f: -f[0])
        yield from found
        return
    for start in range(0, len(keys), BLOCK_LIMIT):
        scores = process.cdist(
            keys[start : start + BLOCK_LIMIT],
            keys[start:],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            dtype="float32",
            workers=-1,
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            row, column = start + int(i), start + int(j)
            if row < column:
                a, b = sorted((members[row], members[column]), key=lambda m: m.id)
                found.append((float(scores[i, j]), a, b))
    found.sort(key=lambda f: -f[0])
    yield from found
