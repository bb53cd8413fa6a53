"""`python -m ui`: the web process of a deployment (Procfile `web`)."""

import os
import sys

from app.engine import banner, liveness
from app.errors import ConfigurationError
from app.logs import configure_logging
from app.settings import get_settings

if __name__ in {"__main__", "__mp_main__"}:
    settings = get_settings()
    # Before NiceGUI is imported: it reads where to keep sessions once.
    for name, value in settings.web_storage_environment().items():
        os.environ.setdefault(name, value)
    from ui.web import run

    configure_logging(settings)
    banner.announce("web", f"pages and API on http://{settings.host}:{settings.port}", settings)
    liveness.reset(settings)
    liveness.announce("web", url=liveness.health_url(settings), settings=settings)
    try:
        run(settings, storage_secret=settings.storage_secret)
    except ConfigurationError as exc:
        print(f"Configuration error: {exc.message}", file=sys.stderr)
        sys.exit(2)
