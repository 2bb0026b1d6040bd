"""Every event the catalogue consumes, and the handler that applies it: one visible list."""

from events.suppliers import (SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from servicekit.consumer import on
from catalogue.eligibility.handlers import apply_supplier_event

SUBSCRIPTIONS = [
    *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
        SupplierDeregistered, handler=apply_supplier_event),
]
