"""Write the merged OpenAPI document from the services' apps built in this process (no network, no database).

`python -m deploy.openapi_export var/openapi/marketplace.json` is what `make lint-openapi` lints: the
same merge the running gateway serves, over the documents the services would answer with.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.openapi import gateway_document, merge_documents
from gateway.registry.routes import registry_document


def service_builders() -> dict[str, tuple[Callable[..., FastAPI], type]]:
    """Each service's app factory and settings class, by service name."""
    from accreditation.main import build as accreditation
    from accreditation.settings import AccreditationSettings
    from assistant.main import build as assistant
    from assistant.settings import AssistantSettings
    from assurance.main import build as assurance
    from assurance.settings import AssuranceSettings
    from catalogue.main import build as catalogue
    from catalogue.settings import CatalogueSettings
    from hub.main import build as hub
    from hub.settings import HubSettings
    from partners.main import build as partners
    from partners.settings import PartnersSettings
    from suppliers.main import build as suppliers
    from suppliers.settings import SuppliersSettings
    from training.main import build as training
    from training.settings import TrainingSettings

    return {"suppliers": (suppliers, SuppliersSettings), "catalogue": (catalogue, CatalogueSettings),
            "accreditation": (accreditation, AccreditationSettings), "training": (training, TrainingSettings),
            "hub": (hub, HubSettings), "partners": (partners, PartnersSettings),
            "assistant": (assistant, AssistantSettings),
            "assurance": (assurance, AssuranceSettings)}


def service_apps() -> dict[str, FastAPI]:
    """Every service's app with development settings; building one opens no connection."""
    return {name: build(settings(environment="development"))
            for name, (build, settings) in service_builders().items()}


def merged_document(apps: dict[str, FastAPI] | None = None) -> dict:
    """The document the gateway would serve with every service up and its own token issuer on."""
    apps = service_apps() if apps is None else apps
    return merge_documents({name: app.openapi() for name, app in apps.items()},
                           gateway_document(issues_tokens=True, clients=registry_document()))


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The app's API routes, through the routers it includes."""

    def walk(routes) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):  # FastAPI's included router
                yield from walk(route.original_router.routes)

    yield from walk(app.routes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi_export")
    parser.add_argument("output", type=Path, help="where to write the merged document (JSON)")
    args = parser.parse_args(argv)
    # The services' settings refuse their placeholder secrets outside development.
    os.environ.setdefault("ENVIRONMENT", "development")
    document = merged_document()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    print(f"wrote {args.output} ({len(document['paths'])} paths)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
