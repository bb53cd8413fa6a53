"""The web app as the simulated-user tests run it: NiceGUI re-executes this file per test.

It calls the same `ui.web.run` as `python -m ui`; under NiceGUI's user simulation,
`ui.run` only configures the app and returns.
"""

from app.settings import get_settings
from ui import web

web.run(get_settings(), storage_secret="simulated-user-test-secret")
