"""The annual AI survey through the gateway: one response per agency per year, answers checked against the
questions in the repo, responses private to their submitter and admins, and public figures year on year
that show no single agency's answers."""

import json
from datetime import datetime, timezone

from hub.survey.questions import QUESTIONS_FILE
from services.hub.tests.flows import USE_CASES, use_case_body

SURVEYS = "/api/v1/registry/surveys"
INSIGHTS = "/api/v1/registry/insights"
PROBLEM = "application/problem+json"
SECRET_EXAMPLE = "Letters in te reo Māori went out a week sooner"


def answers(**overrides) -> dict:
    base = {"ai_maturity": "piloting", "ai_strategy": "yes", "use_cases_in_production": 2, "use_cases_in_pilot": 3,
            "benefits": ["productivity", "accessibility"], "benefits_example": SECRET_EXAMPLE,
            "risks": ["privacy", "maori_data_sovereignty"], "risk_incidents": 0, "staff_trained_percent": 40,
            "training_offered": ["e_learning"]}
    return base | overrides


def at(year: int, month: int = 6) -> datetime:
    return datetime(year, month, 1, 9, tzinfo=timezone.utc)


# The development buyer's client is bound to this agency; a buyer of another is a client made for it.
DEV_BUYER_AGENCY = "Ministry of Social Development"


async def buyer_of(stack, agency: str) -> dict[str, str]:
    if " ".join(agency.split()).casefold() == DEV_BUYER_AGENCY.casefold():
        return await stack.as_role("buyer")
    return await stack.as_new_client("buyer", agency)


async def answer(stack, year: int, agency: str, role: str = "buyer", **overrides):
    headers = await buyer_of(stack, agency) if role == "buyer" else await stack.as_role(role)
    return await stack.client.post(f"{SURVEYS}/{year}", json={"agency": agency, "answers": answers(**overrides)},
                                   headers=headers)


def figure(year: dict, question: str) -> dict:
    return next(f for f in year["figures"] if f["question"] == question)


async def test_each_agency_answers_once_a_year_and_reads_only_its_own(stack):
    stack.clock.set(at(2026))
    questions = (await stack.client.get(f"{SURVEYS}/questions")).json()  # public, and the file in the repo
    in_repo = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    assert questions["first_year"] == in_repo["first_year"]
    assert [(q["id"], q["kind"], q["options"]) for q in questions["questions"]] == [
        (q["id"], q["kind"], q.get("options", [])) for q in in_repo["questions"]]
    assert {"ai_maturity", "use_cases_in_production", "benefits", "risks", "staff_trained_percent"} <= {
        q["id"] for q in questions["questions"]}

    first = await answer(stack, 2026, "Ministry of Social Development")
    assert first.status_code == 201, first.text
    assert first.json()["submitted_by"] == "buyer" and first.json()["answers"]["ai_maturity"] == "piloting"
    again = await answer(stack, 2026, "  ministry of social   development ", ai_maturity="scaling")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert "once a year" in again.json()["detail"]
    by_admin = await answer(stack, 2026, "Inland Revenue", role="admin")
    assert by_admin.status_code == 201

    # Who reads the answers: the client that submitted them and admins, no one else.
    own = await stack.client.get(f"{SURVEYS}/2026", headers=await stack.as_role("buyer"))
    assert [r["agency"] for r in own.json()] == ["Ministry of Social Development"]
    every = await stack.client.get(f"{SURVEYS}/2026", headers=await stack.as_role("admin"))
    assert [r["agency"] for r in every.json()] == ["Inland Revenue", "Ministry of Social Development"]
    assert (await stack.client.get(f"{SURVEYS}/2026")).status_code == 401
    buyer, admin = await stack.as_role("buyer"), await stack.as_role("admin")
    read_back = await stack.client.get(first.headers["location"], headers=buyer)
    assert read_back.status_code == 200 and read_back.json() == first.json()
    hidden = await stack.client.get(by_admin.headers["location"], headers=buyer)
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM
    assert (await stack.client.get(by_admin.headers["location"], headers=admin)).json()["agency"] == "Inland Revenue"
    for role in ("partner", "assessor"):
        headers = await stack.as_role(role)
        assert (await stack.client.get(f"{SURVEYS}/2026", headers=headers)).status_code == 403
        assert (await stack.client.get(first.headers["location"], headers=headers)).status_code == 403
        refused = await stack.client.post(f"{SURVEYS}/2026", headers=headers,
                                          json={"agency": "Te Puni Kōkiri", "answers": answers()})
        assert refused.status_code == 403
    assert (await stack.client.post(f"{SURVEYS}/2026", json={"agency": "x", "answers": answers()})).status_code == 401
    # A buyer answers for its own agency only; without a name it is its own.
    for_another = await stack.client.post(f"{SURVEYS}/2026", headers=buyer,
                                          json={"agency": "Te Puni Kōkiri", "answers": answers()})
    assert for_another.status_code == 403 and for_another.headers["content-type"] == PROBLEM
    colleague = await stack.as_new_client("buyer", "Inland Revenue")
    unnamed = await stack.client.post(f"{SURVEYS}/2026", json={"answers": answers()}, headers=colleague)
    assert unnamed.status_code == 409  # Inland Revenue answered already, through the admin
    # Another buyer of the agency reads its answers; the response is the agency's, not its submitter's.
    assert [r["agency"] for r in (await stack.client.get(f"{SURVEYS}/2026", headers=colleague)).json()] == [
        "Inland Revenue"]


async def test_bad_answers_are_refused_naming_the_question(stack):
    stack.clock.set(at(2026))
    buyer = await stack.as_role("buyer")
    cases = {
        "answers.ai_maturity": answers(ai_maturity="world leading"),
        "answers.use_cases_in_production": answers(use_cases_in_production=-1),
        "answers.staff_trained_percent": answers(staff_trained_percent=101),
        "answers.benefits": answers(benefits=["productivity", "productivity"]),
        "answers.risks": answers(risks=["asteroids"]),
        "answers.risk_incidents": answers(risk_incidents=True),
        "answers.no_such_question": answers(no_such_question="x"),
    }
    for field, body in cases.items():
        response = await stack.client.post(f"{SURVEYS}/2026", json={"agency": "Inland Revenue", "answers": body},
                                           headers=buyer)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert [e["field"] for e in response.json()["errors"]] == [field]
    missing = {k: v for k, v in answers().items() if k not in ("ai_strategy", "benefits_example")}
    response = await stack.client.post(f"{SURVEYS}/2026", json={"agency": "Inland Revenue", "answers": missing},
                                       headers=buyer)
    assert [e["field"] for e in response.json()["errors"]] == ["answers.ai_strategy"]  # the example is optional
    for year, field in [(2025, "year"), (2027, "year"), (1999, "year")]:
        response = await answer(stack, year, "Inland Revenue")
        assert response.status_code == 422 and field in response.text, (year, response.text)
    for broken in [{"agency": "Inland Revenue"}, {"agency": "", "answers": answers()}, [1, 2]]:
        response = await stack.client.post(f"{SURVEYS}/2026", json=broken, headers=buyer)
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert (await stack.client.get(f"{SURVEYS}/2026", headers=await stack.as_role("admin"))).json() == []


async def test_insights_show_the_survey_year_on_year_without_any_one_agencys_answers(stack):
    # 2025: two agencies answer (too few to publish); 2026 and 2027: three each.
    stack.clock.set(at(2025))
    for agency in ("Inland Revenue", "Department of Conservation"):
        assert (await answer(stack, 2025, agency, use_cases_in_production=50)).status_code == 201
    stack.clock.set(at(2026))
    registered = await stack.client.post(USE_CASES, json=use_case_body(), headers=await stack.as_role("buyer"))
    assert registered.status_code == 201
    for agency, count, maturity in [("Inland Revenue", 1, "piloting"), ("Ministry of Social Development", 2, "scaling"),
                                    ("Health New Zealand", 6, "scaling")]:
        assert (await answer(stack, 2026, agency, use_cases_in_production=count, ai_maturity=maturity)).status_code == 201
    while_open = (await stack.client.get(INSIGHTS)).json()["surveys"]
    assert [(y["year"], y["responses"], y["published"]) for y in while_open] == [(2025, 2, False), (2026, 3, False)]
    assert while_open[1]["figures"] == [] and "open" in while_open[1]["withheld_because"]

    stack.clock.set(at(2027))
    for agency, count in [("Inland Revenue", 4), ("Ministry of Social Development", 5), ("Te Puni Kōkiri", 9)]:
        assert (await answer(stack, 2027, agency, use_cases_in_production=count, staff_trained_percent=70,
                             role="admin")).status_code == 201
    stack.clock.set(at(2028, 1))
    response = await stack.client.get(INSIGHTS)  # public: no token
    assert response.status_code == 200
    years = {y["year"]: y for y in response.json()["surveys"]}
    assert [years[y]["published"] for y in (2025, 2026, 2027, 2028)] == [False, True, True, False]
    assert years[2025]["figures"] == [] and "fewer than 3" in years[2025]["withheld_because"]
    production_2026 = figure(years[2026], "use_cases_in_production")
    assert (production_2026["answered"], production_2026["total"], production_2026["mean"]) == (3, 9, 3.0)
    assert figure(years[2026], "ai_maturity")["counts"] == {
        "not_started": 0, "exploring": 0, "piloting": 1, "scaling": 2, "embedded": 0}
    assert figure(years[2027], "use_cases_in_production")["total"] == 18
    assert figure(years[2027], "use_cases_in_production")["change"] == 3.0
    assert figure(years[2027], "staff_trained_percent")["change"] == 30.0
    assert "benefits_example" not in {f["question"] for f in years[2027]["figures"]}

    by_agency = response.json()["agencies_by_year"]
    assert by_agency["Ministry of Social Development"] == [
        {"year": 2026, "use_cases_registered": 1, "answered_survey": True},
        {"year": 2027, "use_cases_registered": 0, "answered_survey": True},
        {"year": 2028, "use_cases_registered": 0, "answered_survey": False}]
    assert [y["answered_survey"] for y in by_agency["Department of Conservation"]] == [True, False, False, False]
    assert SECRET_EXAMPLE not in response.text and "min" not in production_2026 and "max" not in production_2026
