"""Small helpers for directory pages: glossary links, opening days, distances."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDER = list(DAY_NAMES)


@register.filter
def days(byday: str) -> str:
    """'MO,TU,WE,TH,FR' -> 'Monday to Friday'; 'MO,WE' -> 'Monday and Wednesday'."""
    codes = [c.strip().upper()[-2:] for c in (byday or "").split(",") if c.strip()]
    codes = [c for c in ORDER if c in codes]
    if not codes:
        return ""
    names = [_(DAY_NAMES[c]) for c in codes]
    positions = [ORDER.index(c) for c in codes]
    if len(codes) >= 3 and positions == list(range(positions[0], positions[-1] + 1)):
        return _("%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " " + _("and") + " " + names[-1]


@register.filter
def miles(value) -> str:
    if value is None:
        return ""
    if value < 0.1:
        return _("less than 0.1 miles")
    return _("%(miles).1f miles") % {"miles": value}


@register.filter
def glossary_links(text: str, glossary: dict) -> SafeString:
    """Escape the text, then link the first mention of each glossary word to its explanation."""
    escaped = str(escape(text or ""))
    if not glossary:
        return mark_safe(escaped)  # noqa: S308 # nosec B308 B703 # escaped above
    words = sorted(glossary, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(str(escape(w))) for w in words) + r")\b", re.IGNORECASE)
    linked: set[str] = set()
    base = reverse("directory:directory-glossary")

    def link(match: re.Match) -> str:
        word = match.group(0)
        term = glossary.get(word.lower())
        if term is None or term.slug in linked:
            return word
        linked.add(term.slug)
        return str(format_html('<a class="govuk-link isahub-glossary-link" href="{}#{}">{}</a>', base, term.slug, word))

    return mark_safe(pattern.sub(link, escaped))  # noqa: S308 # nosec B308 B703 # built from escaped text and format_html
