"""The staff console's routers, in the order the app includes them."""

from __future__ import annotations

from api.routes import staff_auth, staff_curated, staff_eval, staff_exports, staff_pages, staff_stats, staff_turns

STAFF_ROUTERS = [
    staff_auth.router,
    staff_turns.router,
    staff_curated.router,
    staff_stats.router,
    staff_eval.router,
    staff_exports.router,
    staff_pages.router,
]
