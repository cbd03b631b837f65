"""Production settings for bench/load.py, on its throwaway database holding the demo borough.

Production refuses to start on a database with the demo accounts in it (isahub.core.startup);
the load benchmark wants the demo borough's children and directory, so it allows them. Nothing
else differs from config.settings.production."""

from config.settings.production import *  # noqa: F403

ISAHUB_DEMO_MODE = True
