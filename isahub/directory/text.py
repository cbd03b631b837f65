"""Words for keyword search: normalise, drop the commonest words, and stem.

The stemmer is a small English suffix stripper in the manner of Porter's (plurals, -ing,
-ed, -ly, -ment, -ness, -ation, ...): enough that "counselling", "counsellor" and "counsel"
meet, "parents" finds "parenting", and it gives the same answer on every database because
the stems are computed here and stored in a plain indexed table.
"""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "for",
        "from",
        "has",
        "have",
        "help",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "near",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "us",
        "we",
        "what",
        "where",
        "who",
        "with",
        "you",
        "your",
    ]
)

# Longest first; each (suffix, replacement, minimum stem length left).
SUFFIXES: list[tuple[str, str, int]] = [
    ("ational", "ate", 3),
    ("ization", "ize", 3),
    ("isation", "ise", 3),
    ("fulness", "ful", 3),
    ("ousness", "ous", 3),
    ("iveness", "ive", 3),
    ("ations", "ate", 3),
    ("lessly", "less", 3),
    ("ation", "ate", 3),
    ("ments", "", 4),
    ("ment", "", 4),
    ("ness", "", 3),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ies", "y", 2),
    ("ied", "y", 2),
    ("ers", "", 4),
    ("ors", "", 4),
    ("er", "", 4),
    ("or", "", 4),
    ("ed", "", 3),
    ("es", "", 4),
    ("s", "", 3),
]
DOUBLES = re.compile(r"([bdfglmnprt])\1$")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ss"):
        return word
    for suffix, replacement, minimum in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= minimum:
            word = word[: len(word) - len(suffix)] + replacement
            break
    # "counsell" -> "counsel", "stopp" -> "stop"; never below three letters.
    if len(word) > 4 and DOUBLES.search(word):
        word = word[:-1]
    if word.endswith("e") and len(word) > 4 and not word.endswith(("ee", "ie")):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", normalise(text).replace("'", "")) if w not in STOPWORDS]


def stems(text: str) -> list[str]:
    """Distinct stems in order of first appearance."""
    seen: dict[str, None] = {}
    for word in words(text):
        token = stem(word)[:60]
        if len(token) >= 2:
            seen.setdefault(token, None)
    return list(seen)
