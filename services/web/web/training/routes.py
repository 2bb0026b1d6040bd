"""Training: course search, a course with its sessions, registering interest, and a buyer's registrations."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse

from web.api import ApiError, api_for
from web.pages import render
from web.session import check_csrf
from web.training.service import CHOICES, FILTERS

router = APIRouter(prefix="/training")
Text = Annotated[str, Form(max_length=2000)]


@router.get("")
async def courses_page(request: Request):
    chosen = {k: v.strip() for k, v in request.query_params.items() if k in FILTERS and v.strip()}
    page = await api_for(request).get("/api/v1/courses", {**chosen, "limit": "20"})
    return render(request, "courses.html", title="Find AI training", courses=page["data"],
                  next_cursor=page.get("next_cursor"), chosen=chosen, choices=CHOICES)


@router.get("/registrations")
async def registrations_page(request: Request):
    """The registrations of interest this buyer made."""
    api = api_for(request)
    registrations = (await api.get("/api/v1/sessions/registrations"))["data"]
    course_ids = list(dict.fromkeys(r["course_id"] for r in registrations))
    courses = await asyncio.gather(*(api.get(f"/api/v1/courses/{i}") for i in course_ids), return_exceptions=True)
    # A course that has since gone (or cannot be read) is still listed, by its link alone.
    names = {i: c["name"] for i, c in zip(course_ids, courses, strict=True) if isinstance(c, dict)}
    return render(request, "registrations.html", title="Your training registrations", registrations=registrations,
                  course_names=names)


@router.get("/{course_id}")
async def course_page(request: Request, course_id: str, registered: str | None = None):
    course = await api_for(request).get(f"/api/v1/courses/{course_id}")
    return render(request, "course.html", title=course["name"], course=course, registered=registered, form={})


@router.post("/{course_id}/sessions/{session_id}/register", dependencies=[Depends(check_csrf)])
async def register(request: Request, course_id: str, session_id: str, name: Text = "", email: Text = "",
                   agency: Text = "", job_title: Text = ""):
    """Register a staff member's interest; the answer says registered or waitlisted."""
    api = api_for(request)
    form = {"name": name.strip(), "email": email.strip(), "agency": agency.strip(), "job_title": job_title.strip()}
    body = {k: v for k, v in form.items() if v}
    try:
        registration = await api.post(f"/api/v1/sessions/{session_id}/registrations", body)
    except ApiError as error:
        if error.status != 422:
            raise
        course = await api.get(f"/api/v1/courses/{course_id}")
        errors = [(f"{field}-{session_id}", _message(field, message)) for field, message in error.errors]
        return render(request, "course.html", status_code=422, title=course["name"], course=course, errors=errors,
                      form=form, form_session=session_id, registered=None)
    return RedirectResponse(f"/training/{course_id}?registered={registration['status']}#result", status_code=303)


def _message(field: str, message: str) -> str:
    friendly = {"name": "Enter the staff member's name", "email": "Enter an email address like name@agency.govt.nz",
                "agency": "Enter the agency"}
    return friendly.get(field, f"{field.replace('_', ' ').capitalize()}: {message}")
