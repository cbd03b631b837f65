import datetime as dt

from django.db import transaction

from isahub.children.services import NewChild, child_create


def add_child(actor, **overrides):
    """A child added through the real service, so keys, provenance and audit are real."""
    details = {
        "given_names": "Amelia",
        "family_name": "Hartley",
        "date_of_birth": dt.date(2015, 3, 27),
        "sex": "female",
        "address_line_1": "12 Mill Lane",
        "town": "Northbrook",
        "postcode": "NB1 4AA",
    }
    details.update(overrides)
    with transaction.atomic():
        return child_create(actor=actor, details=NewChild(**details))
