"""A buyer's shortlists: create, add, notes, remove, rename, CSV download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from web.api import ApiError, api_for
from web.pages import render
from web.session import check_csrf

router = APIRouter(prefix="/shortlists")
CSRF = [Depends(check_csrf)]
Text = Annotated[str, Form(max_length=4000)]


def _back(shortlist_id: str) -> RedirectResponse:
    return RedirectResponse(f"/shortlists/{shortlist_id}", status_code=303)


async def _version(api, shortlist_id: str) -> str:
    return (await api.call("GET", f"/api/v1/shortlists/{shortlist_id}")).headers.get("etag", "")


def _name_problem(name: str, error: ApiError) -> str:
    if not name.strip():
        return "Enter a name for the shortlist"
    return f"Name: {error.errors[0][1]}" if error.errors else error.detail


@router.get("")
async def list_page(request: Request):
    shortlists = (await api_for(request).get("/api/v1/shortlists"))["data"]
    return render(request, "shortlists.html", title="Your shortlists", shortlists=shortlists)


@router.post("", dependencies=CSRF)
async def create(request: Request, name: Text = ""):
    api = api_for(request)
    try:
        created = await api.post("/api/v1/shortlists", {"name": name.strip()})
    except ApiError as error:
        if error.status != 422:
            raise
        shortlists = (await api.get("/api/v1/shortlists"))["data"]
        return render(request, "shortlists.html", status_code=422, title="Your shortlists", shortlists=shortlists,
                      errors=[("name", _name_problem(name, error))])
    return _back(created["id"])


@router.post("/add", dependencies=CSRF)
async def add(request: Request, offering_id: Text, shortlist_id: Text = "", new_name: Text = "", notes: Text = ""):
    """Add an offering to a shortlist: a new one when a name for it is given or none is chosen."""
    api = api_for(request)
    if new_name.strip() or not shortlist_id:
        shortlist_id = (await api.post("/api/v1/shortlists", {"name": new_name.strip() or "My shortlist"}))["id"]
    await api.call("PUT", f"/api/v1/shortlists/{shortlist_id}/items/{offering_id}",
                   json={"notes": notes.strip() or None})
    return _back(shortlist_id)


@router.get("/{shortlist_id}")
async def shortlist_page(request: Request, shortlist_id: str):
    shortlist = await api_for(request).get(f"/api/v1/shortlists/{shortlist_id}")
    return render(request, "shortlist.html", title=shortlist["name"], shortlist=shortlist)


@router.post("/{shortlist_id}/rename", dependencies=CSRF)
async def rename(request: Request, shortlist_id: str, name: Text = ""):
    api = api_for(request)
    try:
        await api.call("PATCH", f"/api/v1/shortlists/{shortlist_id}", json={"name": name.strip()},
                       headers={"If-Match": await _version(api, shortlist_id)})
    except ApiError as error:
        if error.status != 422:
            raise
        shortlist = await api.get(f"/api/v1/shortlists/{shortlist_id}")
        return render(request, "shortlist.html", status_code=422, title=shortlist["name"], shortlist=shortlist,
                      errors=[("name", "Enter a new name for the shortlist")])
    return _back(shortlist_id)


@router.post("/{shortlist_id}/items/{offering_id}/notes", dependencies=CSRF)
async def save_notes(request: Request, shortlist_id: str, offering_id: str, notes: Text = ""):
    await api_for(request).call("PUT", f"/api/v1/shortlists/{shortlist_id}/items/{offering_id}",
                                json={"notes": notes.strip() or None})
    return _back(shortlist_id)


@router.post("/{shortlist_id}/items/{offering_id}/remove", dependencies=CSRF)
async def remove(request: Request, shortlist_id: str, offering_id: str):
    await api_for(request).call("DELETE", f"/api/v1/shortlists/{shortlist_id}/items/{offering_id}")
    return _back(shortlist_id)


@router.get("/{shortlist_id}/export.csv")
async def download(request: Request, shortlist_id: str):
    """The API's CSV, passed on as a download."""
    answer = await api_for(request).call("GET", f"/api/v1/shortlists/{shortlist_id}/export.csv",
                                         headers={"Accept": "text/csv"})
    return Response(answer.content, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": answer.headers.get("content-disposition", 'attachment; filename="shortlist.csv"')})
