"""Buyers search published courses: every filter, text search over name, code and description,
keyset pages, and bad filter values answered with problem+json."""

from servicekit.testing import eventually

URL = "/api/v1/courses"
AREAS = ["executive_ai_leadership", "practitioner_ai_skills", "ai_te_reo_maori_contexts"]


async def test_buyers_find_published_courses_by_every_filter_and_by_text_and_bad_values_are_422(stack, training):
    _, own, _ = await training.provider(areas=AREAS)
    masterclass = await training.published(own)
    await training.session(masterclass["id"], own, days=30)
    applied = await training.published(
        own, name="Applied AI for practitioners", course_code="PRAC-200", price_nzd=1450,
        description="Hands-on prompt design, evaluation and automation for analysts and policy advisors.",
        training_area="practitioner_ai_skills", audiences=["practitioner"], mode="online", pacing="self_paced",
        level="intermediate", nzqa={"credits": 10, "level": 5})
    reo = await training.published(
        own, name="Te reo Māori and AI", course_code="REO-110", price_nzd=300, language="mi",
        description="Whakamahia te AI i runga i ngā tikanga Māori: data sovereignty and language technology.",
        training_area="ai_te_reo_maori_contexts", audiences=["all_staff"], mode="blended",
        nzqa={"credits": 4, "level": 3})
    await training.session(reo["id"], own, days=5)
    await training.draft(own, name="Unpublished masterclass")  # never in a buyer's results
    stack.clock.advance(days=6)  # the reo session has now started; the masterclass one has not
    buyer = await stack.as_role("buyer")
    names = {masterclass["id"]: "masterclass", applied["id"]: "applied", reo["id"]: "reo"}

    async def found(**params) -> set[str]:
        response = await stack.client.get(URL, params=params, headers=buyer)
        assert response.status_code == 200, response.text
        return {names.get(c["id"], c["name"]) for c in response.json()["data"]}

    expectations = [
        ({}, {"masterclass", "applied", "reo"}),
        ({"free": "true"}, {"masterclass"}),
        ({"free": "false"}, {"applied", "reo"}),
        ({"min_price": 300}, {"applied", "reo"}),
        ({"max_price": 300}, {"masterclass", "reo"}),
        ({"min_price": 100, "max_price": 500}, {"reo"}),
        ({"audience": "executive_tier_1"}, {"masterclass"}),
        ({"audience": "all_staff"}, {"reo"}),
        ({"audience": "executive_tier_3"}, set()),
        ({"training_area": "practitioner_ai_skills"}, {"applied"}),
        ({"mode": "online"}, {"applied"}),
        ({"mode": "in_person"}, {"masterclass"}),
        ({"pacing": "self_paced"}, {"applied"}),
        ({"level": "intermediate"}, {"applied"}),
        ({"language": "mi"}, {"reo"}),
        ({"has_nzqa_credits": "true"}, {"applied", "reo"}),
        ({"has_nzqa_credits": "false"}, {"masterclass"}),
        ({"min_nzqa_credits": 5}, {"applied"}),
        ({"upcoming_sessions": "true"}, {"masterclass"}),
        ({"upcoming_sessions": "false"}, {"applied", "reo"}),
        ({"q": "masterclass"}, {"masterclass"}),
        ({"q": "MAORI"}, {"reo"}),  # case and macrons folded
        ({"q": "tikanga māori"}, {"reo"}),
        ({"q": "prac-200"}, {"applied"}),  # the course code too
        ({"q": "applied advisors"}, {"applied"}),  # every word must appear
        ({"q": "applied masterclass"}, set()),
        ({"q": "100%"}, set()),  # wildcards are taken literally
        ({"q": "exec_ai"}, set()),
        ({"free": "true", "audience": "executive_tier_2", "training_area": "executive_ai_leadership",
          "upcoming_sessions": "true"}, {"masterclass"}),
    ]
    for params, expected in expectations:
        assert await found(**params) == expected, params

    seen, cursor = [], None
    while True:
        page = (await stack.client.get(URL, params={"limit": 1} | ({"cursor": cursor} if cursor else {}),
                                       headers=buyer)).json()
        seen += [names[c["id"]] for c in page["data"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == ["applied", "masterclass", "reo"]  # one page each, none twice or missed

    async def named():  # the provider's name arrives with the supplier's events, in their own time
        found = (await stack.client.get(URL, params={"q": "masterclass"})).json()["data"][0]  # no token needed
        return found if found["provider_name"] else None

    detail = await eventually(named)
    assert detail["free"] is True and detail["sessions"][0]["capacity"] == 10

    # Bad filter values are problems naming the parameter, never a 500 (same stack: starting one is slow).
    bad = [{"free": "maybe"}, {"min_price": -1}, {"min_price": "cheap"}, {"max_price": "inf"},
           {"min_price": 500, "max_price": 100}, {"audience": "ceo"}, {"mode": "teleport"}, {"language": "fr"},
           {"training_area": "astrology"}, {"min_nzqa_credits": 0}, {"has_nzqa_credits": "perhaps"},
           {"upcoming_sessions": "soon"}, {"limit": 0}, {"limit": 500}, {"q": "x" * 201}, {"status": "lost"}]
    for params in bad:
        response = await stack.client.get(URL, params=params, headers=buyer)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"], params
    garbage = await stack.client.get(URL, params={"cursor": "not-a-cursor"}, headers=buyer)
    assert garbage.status_code == 400 and garbage.headers["content-type"] == "application/problem+json"
