"""A NUL character is bad input everywhere (PostgreSQL cannot store or compare one): 422 in a body, 400 in a
path or query, on either database; never a 500."""

import pytest

from servicekit.models import StrictModel


class Tags(StrictModel):
    names: list[str]
    labels: dict[str, str] = {}


@pytest.mark.parametrize("body", [{"names": ["ok", "n\x00l"]}, {"names": [], "labels": {"k": "\x00"}},
                                  {"names": [], "labels": {"\x00": "v"}}])
def test_a_body_model_refuses_a_nul_at_any_depth(body):
    with pytest.raises(ValueError, match="NUL"):
        Tags.model_validate(body)


async def test_a_nul_is_refused_in_bodies_paths_and_queries(start_sample):
    sample = await start_sample()
    created = await sample.client.post("/api/v1/notes", json={"title": "a\x00b"})
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "title"
    for path in ("/api/v1/notes/a%00b", "/api/v1/notes?cursor=%00", "/api/v1/notes?limit=1&cursor=abc%00"):
        refused = await sample.client.get(path)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json" and "NUL" in refused.json()["detail"]
    assert (await sample.client.get("/api/v1/notes")).json()["data"] == []
