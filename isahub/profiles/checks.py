from django.conf import settings
from django.core import checks

from .loader import ProfileError, load_profile


@checks.register()
def profile_is_valid(app_configs, **kwargs):
    try:
        load_profile(settings.ISAHUB_PROFILE)
    except ProfileError as error:
        return [checks.Error(str(error), id="profiles.E001")]
    return []
