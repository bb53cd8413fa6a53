"""`python -m ui`: the web process of a deployment (Procfile `web`)."""

from app.logs import configure_logging
from app.settings import get_settings
from ui.web import run

if __name__ in {"__main__", "__mp_main__"}:
    settings = get_settings()
    configure_logging(settings)
    run(settings, storage_secret=settings.storage_secret)
