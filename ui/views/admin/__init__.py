"""The admin dashboard: one module per view, each registering its own `@ui.page`.

Every page builder checks the role itself (sub-page navigation never passes the HTTP
middleware) and every action is checked again by the service in `app`.
"""

from __future__ import annotations

from ui.views.admin import (
    audit,
    batches,
    daily,
    failures,
    lanes,
    overview,
    teams,
    users,
    workers,
)

# (path, label, icon) in menu order; the first is the dashboard's landing page.
VIEWS = (
    ("/admin", "Overview", "insights"),
    ("/admin/workers", "Workers", "dns"),
    ("/admin/batches", "Screenings", "view_list"),
    ("/admin/failures", "Failures", "report_problem"),
    ("/admin/lanes", "Lanes", "alt_route"),
    ("/admin/stats", "Daily statistics", "calendar_month"),
    ("/admin/users", "Users", "group"),
    ("/admin/teams", "Teams", "groups_2"),
    ("/admin/audit", "Audit log", "history"),
)


def register() -> None:
    for module in (overview, workers, batches, failures, lanes, daily, users, teams, audit):
        module.register()
