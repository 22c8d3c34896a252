"""Apple Podcasts categories: the list podcast directories accept for itunes:category, and how to name one.

The data is Apple's published list (19 categories, 15 of them with subcategories), spelled as Apple spells
it; the feed must use exactly these strings, so a setting written in another case is given Apple's spelling.
"""

from __future__ import annotations

import difflib

from narrate.errors import NarrateError

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip
"""Apple Podcasts categories and their subcategories."""


def _key(name: str) -> str:
    return " ".join(name.replace("-", " ").split()).casefold()


def _lookup(name: str, names: tuple[str, ...] | list[str]) -> str | None:
    wanted = _key(name)
    return next((n for n in names if _key(n) == wanted), None)


def _suggest(name: str, names: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "known: " + ", ".join(names) + "."


def apple_category(category: str, subcategory: str | None, where: str) -> tuple[str, str | None]:
    """`category` and `subcategory` in Apple's spelling; NarrateError (naming `where`) when Apple has no such pair."""
    top = _lookup(category, list(APPLE_CATEGORIES))
    if top is None:
        raise NarrateError(f"{where}: '{category}' is not an Apple Podcasts category; {_suggest(category, list(APPLE_CATEGORIES))}")
    if subcategory is None:
        return top, None
    subs = APPLE_CATEGORIES[top]
    sub = _lookup(subcategory, subs)
    if sub is None:
        hint = _suggest(subcategory, subs) if subs else f"{top} has no subcategories."
        raise NarrateError(f"{where}: '{subcategory}' is not a subcategory of {top}; {hint}")
    return top, sub
