"""Who may call each forwarded operation, for the merged OpenAPI document's security and 403 responses.

The services check roles themselves (servicekit.api.require_roles) and their OpenAPI documents do
not say which, so the gateway keeps this table beside its route table. gateway/tests/test_openapi_lint.py
compares it with the dependencies of the services' routes, so it cannot drift from what they enforce.
"""

from __future__ import annotations

from servicekit.identity import ROLES

# Anyone, with or without a token (a token may still show a caller more, an admin say).
PUBLIC: tuple[str, ...] = ()
# A bearer token carrying any of the marketplace's roles.
SIGNED_IN: tuple[str, ...] = tuple(sorted(ROLES))
PARTNERS: tuple[str, ...] = ("admin", "partner")

# (method, path as the service documents it) -> the roles of which the caller needs one.
# Operations not listed need SIGNED_IN.
OPERATION_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    # suppliers
    ("POST", "/api/v1/suppliers"): PUBLIC,  # a supplier registers itself
    ("GET", "/api/v1/suppliers/{supplier_id}/profile"): PUBLIC,  # the public supplier page
    ("POST", "/api/v1/suppliers/{supplier_id}/{action}"): ("admin",),
    ("POST", "/api/v1/agreements"): ("admin",),
    ("GET", "/api/v1/agreements"): ("admin", "assessor", "supplier"),
    ("GET", "/api/v1/agreements/{agreement_id}"): ("admin", "assessor", "supplier"),
    ("GET", "/api/v1/agreements/{agreement_id}/history"): ("admin", "assessor", "supplier"),
    ("POST", "/api/v1/agreements/{agreement_id}/sign"): ("admin", "assessor", "supplier"),
    ("POST", "/api/v1/agreements/{agreement_id}/vary"): ("admin", "assessor", "supplier"),
    ("POST", "/api/v1/agreements/{agreement_id}/{action}"): ("admin", "assessor", "supplier"),
    # catalogue
    ("GET", "/api/v1/categories"): PUBLIC,
    ("POST", "/api/v1/categories"): ("admin",),
    ("GET", "/api/v1/categories/{code}"): PUBLIC,
    ("PATCH", "/api/v1/categories/{code}"): ("admin",),
    ("POST", "/api/v1/categories/{code}/retire"): ("admin",),
    ("GET", "/api/v1/eligibility/suppliers"): ("admin", "assessor"),
    ("GET", "/api/v1/eligibility/suppliers/{supplier_id}"): ("admin", "assessor"),
    ("GET", "/api/v1/offerings"): PUBLIC,
    ("GET", "/api/v1/offerings/compare"): PUBLIC,
    ("POST", "/api/v1/offerings"): ("supplier",),
    ("GET", "/api/v1/offerings/{offering_id}"): PUBLIC,
    ("PUT", "/api/v1/offerings/{offering_id}/assurance-records"): ("supplier",),
    ("POST", "/api/v1/offerings/{offering_id}/assurance-records/{record_id}/review"): ("assessor",),
    ("POST", "/api/v1/shortlists"): ("buyer",),
    ("GET", "/api/v1/shortlists"): ("buyer",),
    ("GET", "/api/v1/shortlists/{shortlist_id}"): ("buyer",),
    ("PATCH", "/api/v1/shortlists/{shortlist_id}"): ("buyer",),
    ("DELETE", "/api/v1/shortlists/{shortlist_id}"): ("buyer",),
    ("PUT", "/api/v1/shortlists/{shortlist_id}/items/{offering_id}"): ("buyer",),
    ("DELETE", "/api/v1/shortlists/{shortlist_id}/items/{offering_id}"): ("buyer",),
    ("GET", "/api/v1/shortlists/{shortlist_id}/export.csv"): ("buyer",),
    # accreditation
    ("POST", "/api/v1/accreditation/applications"): ("supplier",),
    ("GET", "/api/v1/accreditations"): PUBLIC,
    ("GET", "/api/v1/accreditations/{accreditation_id}"): PUBLIC,
    ("GET", "/api/v1/accreditation/suppliers/{supplier_id}"): ("admin", "assessor"),
    # training
    ("POST", "/api/v1/courses"): ("supplier",),
    ("GET", "/api/v1/courses"): PUBLIC,
    ("GET", "/api/v1/courses/{course_id}"): PUBLIC,
    ("POST", "/api/v1/courses/{course_id}/sessions"): ("supplier",),
    ("GET", "/api/v1/courses/{course_id}/sessions"): PUBLIC,
    ("GET", "/api/v1/sessions/registrations"): ("buyer",),
    ("GET", "/api/v1/sessions/{session_id}"): PUBLIC,
    ("POST", "/api/v1/sessions/{session_id}/registrations"): ("buyer",),
    # hub
    ("GET", "/api/v1/registry/entries"): PUBLIC,
    ("GET", "/api/v1/registry/entries/{entry_id}"): PUBLIC,
    ("GET", "/api/v1/registry/entries/{entry_id}/history"): ("admin",),
    ("GET", "/api/v1/registry/export.json"): PUBLIC,
    ("GET", "/api/v1/registry/export.csv"): PUBLIC,
    ("GET", "/api/v1/registry/insights"): PUBLIC,
    ("POST", "/api/v1/registry/rebuild"): ("admin",),
    ("POST", "/api/v1/registry/use-cases"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/use-cases"): PUBLIC,
    ("GET", "/api/v1/registry/use-cases/{use_case_id}"): PUBLIC,
    ("PATCH", "/api/v1/registry/use-cases/{use_case_id}"): ("admin", "buyer"),
    ("POST", "/api/v1/registry/use-cases/{use_case_id}/{action}"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/use-cases/{use_case_id}/transparency"): PUBLIC,
    ("PUT", "/api/v1/registry/use-cases/{use_case_id}/transparency"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/transparency/export.csv"): PUBLIC,
    ("GET", "/api/v1/registry/transparency/export.json"): PUBLIC,
    ("GET", "/api/v1/registry/surveys/questions"): PUBLIC,
    ("POST", "/api/v1/registry/surveys/{year}"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/surveys/{year}"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/surveys/responses/{response_id}"): ("admin", "buyer"),
    ("GET", "/api/v1/registry/sync/status"): ("admin",),
    ("POST", "/api/v1/registry/sync/reconcile"): ("admin",),
    # partners: a partner system manages its own subscriptions and reads the feed; the operator sees all
    ("POST", "/api/v1/subscriptions"): PARTNERS,
    ("GET", "/api/v1/subscriptions"): PARTNERS,
    ("GET", "/api/v1/subscriptions/{subscription_id}"): PARTNERS,
    ("PATCH", "/api/v1/subscriptions/{subscription_id}"): PARTNERS,
    ("DELETE", "/api/v1/subscriptions/{subscription_id}"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/enable"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/disable"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/test"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/secret/rotate"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/recover"): PARTNERS,
    ("GET", "/api/v1/subscriptions/{subscription_id}/deliveries"): PARTNERS,
    ("POST", "/api/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/resend"): PARTNERS,
    ("GET", "/api/v1/events"): PARTNERS,
    # assistant: the question box searches only what is public
    ("POST", "/api/v1/assistant/search"): PUBLIC,
    ("GET", "/api/v1/assistant/search"): PUBLIC,
    # assurance: the questionnaires are public; suppliers assess their offerings, buyers use cases
    ("GET", "/api/v1/assurance/questionnaires"): PUBLIC,
    ("POST", "/api/v1/assurance/questionnaires"): ("admin",),
    ("GET", "/api/v1/assurance/questionnaires/current"): PUBLIC,
    ("GET", "/api/v1/assurance/questionnaires/{version}"): PUBLIC,
    ("POST", "/api/v1/assurance/assessments"): ("buyer", "supplier"),
}


def roles_for(method: str, path: str) -> tuple[str, ...]:
    """The roles of which a caller of this operation needs one (PUBLIC: no token needed)."""
    return OPERATION_ROLES.get((method.upper(), path), SIGNED_IN)
