"""The catalogue service: AI solution categories, offerings and what buyers search."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.cache import TtlCache
from servicekit.clock import Clock
from catalogue.category.routes import router as category_router
from catalogue.certification.jobs import notice_job
from catalogue.certification.routes import router as certification_router
from catalogue.category.seed import seed_on_start
from catalogue.supplier.routes import router as eligibility_router
from catalogue.offering.routes import router as offering_router
from catalogue.search.indexing import embed_offerings
from catalogue.search.routes import router as search_router
from catalogue.search.semantic import QueryEmbedder
from catalogue.search.vectors import VectorIndex
from catalogue.shortlist.routes import router as shortlist_router
from catalogue.settings import CatalogueSettings
from catalogue.subscriptions import subscriptions


def build(settings: CatalogueSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The catalogue app for these settings."""
    clock = clock or Clock()
    settings = settings or CatalogueSettings()
    app = create_app(ServiceDefinition(
        title="Catalogue service",
        description="AI solution categories, offerings, supplier eligibility and buyer search.",
        settings=settings,
        # Search before offerings: /offerings/compare must not be taken for an offering id.
        routers=[category_router, eligibility_router, search_router, offering_router, certification_router,
                 shortlist_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(clock),
        on_start=[seed_on_start],
        jobs={"certificate-notices": notice_job,
              **({"embed-offerings": embed_offerings} if settings.semantic_search else {})},
    ), clock=clock)
    app.state.facet_cache = TtlCache(settings.facet_cache_seconds)
    app.state.vector_index = VectorIndex()
    app.state.query_embedder = QueryEmbedder(settings.query_cache_size)
    return app


__getattr__ = lazy_app(build)
