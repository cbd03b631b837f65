import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from isahub.core.startup import refuse_unsafe_data, refuse_unsafe_database  # noqa: E402

refuse_unsafe_data()
refuse_unsafe_database()
