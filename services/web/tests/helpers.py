"""What the web tests share: finding seeded things through the API, and filling a session."""

from __future__ import annotations


async def offerings(site, **params) -> list[dict]:
    response = await site.client.get("/api/v1/offerings", params={"sort": "name", "limit": 50, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def course_with_session(site, index: int) -> tuple[dict, dict]:
    """The index-th published course that has sessions, and its first session (each test takes its own)."""
    response = await site.client.get("/api/v1/courses", params={"upcoming_sessions": "true", "limit": 50})
    courses = [c for c in response.json()["data"] if c["sessions"]]
    course = courses[index]
    return course, course["sessions"][0]


async def fill_session(site, session: dict, leave: int) -> None:
    """Register through the API until `leave` places are left."""
    headers = await site.as_role("buyer")
    for n in range(session["places_left"] - leave):
        response = await site.client.post(f"/api/v1/sessions/{session['id']}/registrations", headers=headers, json={
            "name": f"Staff member {n}", "email": f"staff{n}@agency.govt.nz", "agency": "Department of Tests"})
        assert response.status_code == 201, response.text


async def withdraw(site, offering: dict) -> None:
    """The offering's supplier withdraws it (with fresh credentials the operator issues, as the seed does)."""
    rotated = await site.client.post(f"/api/v1/suppliers/{offering['supplier_id']}/credentials/rotate",
                                     headers=await site.as_role("admin"))
    assert rotated.status_code == 200, rotated.text
    headers = await site.as_supplier(rotated.json())
    response = await site.client.post(f"/api/v1/offerings/{offering['id']}/withdraw", headers=headers, json={})
    assert response.status_code == 200, response.text
