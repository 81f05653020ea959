"""The staff console's pages under /admin (static HTML in api/static/admin; their scripts read /admin/api/*).
Without a session every page answers 401 with the login page, which reloads the page once logged in."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from api.deps import current_staff

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGES = Path(__file__).resolve().parent.parent / "static" / "admin"


def _page(request: Request, name: str) -> FileResponse:
    if current_staff(request) is None:
        return FileResponse(PAGES / "login.html", status_code=401, headers={"Cache-Control": "no-store"})
    return FileResponse(PAGES / name, headers={"Cache-Control": "no-store"})


@router.get("/login")
def login_page() -> FileResponse:
    return FileResponse(PAGES / "login.html")


@router.get("")
def dashboard_page(request: Request) -> FileResponse:
    return _page(request, "dashboard.html")


@router.get("/turns")
def turns_page(request: Request) -> FileResponse:
    return _page(request, "turns.html")


@router.get("/turns/{answer_id}")
def turn_page(request: Request, answer_id: str) -> FileResponse:
    return _page(request, "turn.html")


@router.get("/curated")
def curated_page(request: Request) -> FileResponse:
    return _page(request, "curated.html")


@router.get("/eval")
def eval_page(request: Request) -> FileResponse:
    return _page(request, "eval.html")
