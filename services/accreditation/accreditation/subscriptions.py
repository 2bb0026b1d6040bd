"""Every event the accreditation service consumes, and the handler that applies it: one visible list."""

from events.suppliers import (SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from accreditation.accreditation.handlers import supplier_handler
from servicekit.clock import Clock
from servicekit.consumer import Subscription, on


def subscriptions(clock: Clock) -> list[Subscription]:
    return [
        *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
            SupplierDeregistered, handler=supplier_handler(clock)),
    ]
