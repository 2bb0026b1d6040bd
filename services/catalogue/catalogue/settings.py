"""Settings of the catalogue service (`CATALOGUE_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class CatalogueSettings(ServiceSettings):
    model_config = service_config("catalogue")

    service_name: str = "catalogue"
    port: int = 8102
    # Offerings a supplier may hold before an admin has verified it (registration is open to anyone).
    unverified_offering_limit: int = 3
    # Facet counts of searches that do not depend on the caller (what anyone sees of published offerings)
    # are kept this long; 0 counts every time.
    facet_cache_seconds: float = 10.0
    # Whether a buyer may read (never change) the shortlists of the other buyers of its agency.
    agency_shortlists_readable: bool = False
    # Hybrid ranking of `q` (words and meaning) and the job embedding offerings; off, search matches words only.
    semantic_search: bool = True
    # Query vectors kept for repeated queries and next pages; 0 embeds every query (how the benchmark times it).
    query_cache_size: int = 2048
    # A verified assurance record is announced (once) this many days before it expires; the check runs this often.
    certificate_notice_days: int = 30
    certificate_check_seconds: float = 300.0
