"""The titles the local API serves, and the JSON bodies that answer for them.

Six entries are the real AniList titles that the book's source article shows. Every other
id in range gets a title that is plainly synthetic, so the book never invents a "real" one.
"""

from __future__ import annotations

import functools
import json
from typing import TypedDict

__all__ = [
    "JSON_UTF8",
    "KNOWN_TITLES",
    "MAX_MEDIA_ID",
    "Media",
    "Title",
    "lookup_media",
    "media_answer",
]

#: Ids from 1 to this number exist; anything else is "Not Found.", as on AniList.
MAX_MEDIA_ID = 99_999


class Title(TypedDict):
    romaji: str
    english: str | None
    native: str | None


class Media(TypedDict):
    id: int
    title: Title


KNOWN_TITLES: dict[int, Title] = {
    100: {
        "romaji": "Shin Shirayuki-hime Densetsu Pretear",
        "english": "Prétear: The New Legend of Snow White",
        "native": "新白雪姫伝説プリーティア",
    },
    200: {"romaji": "Tenshi na Konamaiki", "english": None, "native": "天使な小生意気"},
    300: {"romaji": "3x3 EYES", "english": "3x3 Eyes", "native": "3×3EYES"},
    400: {
        "romaji": "Seihou Bukyou Outlaw Star",
        "english": "Outlaw Star",
        "native": "星方武侠アウトロースター",
    },
    600: {"romaji": "Legend of Duo", "english": None, "native": "レジェンドオブ・デュオ"},
    853: {
        "romaji": "Ouran Koukou Host Club",
        "english": "Ouran High School Host Club",
        "native": "桜蘭高校ホスト部",
    },
}


def lookup_media(media_id: int) -> Media | None:
    """Return the media entry for ``media_id``, or ``None`` when no such id exists."""
    if not 1 <= media_id <= MAX_MEDIA_ID:
        return None
    title = KNOWN_TITLES.get(media_id)
    if title is None:
        title = {"romaji": f"Synthetic Title {media_id}", "english": None, "native": None}
    return {"id": media_id, "title": title}


JSON_UTF8 = "application/json; charset=utf-8"  # what web.json_response sends


@functools.lru_cache(maxsize=8192)
def media_answer(media_id: int) -> bytes | None:
    """The JSON body that answers a request for ``media_id`` (None: no such id).

    Encoded once per id, not once per request: the answer never changes.
    """
    media = lookup_media(media_id)
    return None if media is None else json.dumps({"data": {"Media": media}}).encode()
