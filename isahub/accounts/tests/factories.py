import datetime as dt

import factory
from django.utils import timezone

from isahub.accounts.models import Agency, AgencyKind, Role, User

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    kind = AgencyKind.SCHOOL
    phone = "01632 960999"


def _vetted_on():
    return timezone.localdate() - dt.timedelta(days=30)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.PRACTITIONER
    dbs_checked_on = factory.LazyFunction(_vetted_on)
    training_completed_on = factory.LazyFunction(_vetted_on)
    user_agreement_signed_on = factory.LazyFunction(_vetted_on)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
