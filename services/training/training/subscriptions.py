"""Every event the training service consumes, and the handler that applies it: one visible list."""

from events.accreditation import (AccreditationExpired, AccreditationGranted, AccreditationReinstated,
                                  AccreditationRenewalDue, AccreditationRenewed, AccreditationRevoked,
                                  AccreditationSurrendered, AccreditationSuspended)
from events.suppliers import (SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from servicekit.clock import Clock
from servicekit.consumer import Subscription, on
from training.course.handlers import accreditation_handler
from training.supplier.handlers import apply_supplier_event


def subscriptions(clock: Clock) -> list[Subscription]:
    return [
        *on(AccreditationGranted, AccreditationRenewalDue, AccreditationRenewed, AccreditationSuspended,
            AccreditationReinstated, AccreditationExpired, AccreditationRevoked, AccreditationSurrendered,
            handler=accreditation_handler(clock)),
        *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
            SupplierDeregistered, handler=apply_supplier_event),
    ]
