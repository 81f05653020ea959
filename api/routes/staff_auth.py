"""The staff console's login: POST /admin/api/login, POST /admin/api/logout, GET /admin/api/me."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api import crud
from api.deps import StaffDep, StaffWorkspaceDep
from api.schemas import ErrorPublic
from api.staff.auth import COOKIE_NAME, COOKIE_PATH, log_in, token_hash

router = APIRouter(prefix="/admin/api", tags=["工作人员后台"])


class LoginRequest(BaseModel):
    """A staff member's username and password."""

    username: str = Field(..., min_length=1, max_length=64, description="用户名")
    password: str = Field(..., min_length=1, max_length=1024, description="密码")


class SessionPublic(BaseModel):
    """The logged-in staff member and the token state-changing requests must send in ``X-CSRF-Token``."""

    username: str
    role: str
    csrf_token: str


@router.post(
    "/login",
    response_model=SessionPublic,
    summary="登录",
    responses={code: {"model": ErrorPublic} for code in (401, 422, 429, 503)},
)
def login(body: LoginRequest, request: Request, response: Response, staff: StaffWorkspaceDep) -> SessionPublic:
    """用户名和密码正确时设置会话 Cookie（HttpOnly、SameSite=Strict），并返回 CSRF 令牌。"""
    client = request.client.host if request.client else ""
    # Both limits count every attempt: one client trying many names, and many clients trying one name.
    if not (staff.login_limiter.allow(f"ip:{client}") and staff.login_limiter.allow(f"user:{body.username}")):
        raise HTTPException(
            status_code=429,
            detail=staff.wording.zh("login_rate_limited"),
            headers={"Retry-After": str(round(staff.settings.staff.login_rate_window_seconds))},
        )
    with staff.database.begin() as connection:
        opened = log_in(
            connection, username=body.username, password=body.password, hours=staff.settings.staff.session_hours
        )
    if opened is None:
        raise HTTPException(status_code=401, detail=staff.wording.zh("login_failed"))
    token, user = opened
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=round(staff.settings.staff.session_hours * 3600),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=staff.settings.staff.cookie_secure,
    )
    return SessionPublic(username=user.username, role=user.role, csrf_token=user.csrf_token)


@router.post("/logout", status_code=204, summary="退出登录")
def logout(request: Request, response: Response, user: StaffDep, staff: StaffWorkspaceDep) -> Response:
    """结束当前会话。"""
    with staff.database.begin() as connection:
        crud.delete_staff_session(connection, token_hash=token_hash(request.cookies.get(COOKIE_NAME, "")))
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="strict", secure=staff.settings.staff.cookie_secure
    )
    return response


@router.get("/me", response_model=SessionPublic, summary="当前登录的工作人员")
def me(user: StaffDep) -> SessionPublic:
    """当前用户及其 CSRF 令牌（页面加载时读取）。"""
    return SessionPublic(username=user.username, role=user.role, csrf_token=user.csrf_token)
