"""The key rebuild after an upgrade: restores what is missing, drops what is stale, changes nothing twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from isahub.children.models import SearchKey

pytestmark = pytest.mark.django_db


def keys_of(child) -> set[str]:
    return set(SearchKey.objects.filter(child=child).values_list("key", flat=True))


def test_rebuild_restores_the_current_keys_and_is_idempotent(add_child):
    amelia = add_child()
    ruby = add_child(given_names="Ruby", family_name="Jones-Smith", address_line_1="4 Mill Lane")
    expected = {amelia.pk: keys_of(amelia), ruby.pk: keys_of(ruby)}
    SearchKey.objects.filter(child=amelia, key__startswith="x:").delete()  # as if made by an older release
    SearchKey.objects.create(child=ruby, key="old:format:key")

    out = StringIO()
    call_command("rebuild_search_keys", "--batch", "1", stdout=out)
    assert keys_of(amelia) == expected[amelia.pk] and keys_of(ruby) == expected[ruby.pk]
    assert "2 of 2 children" in out.getvalue()

    total = SearchKey.objects.count()
    call_command("rebuild_search_keys", stdout=StringIO())
    assert SearchKey.objects.count() == total and keys_of(amelia) == expected[amelia.pk]


def test_rebuild_refuses_a_batch_below_one():
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("rebuild_search_keys", "--batch", "0", stderr=err)
    assert "--batch must be at least 1" in err.getvalue()
