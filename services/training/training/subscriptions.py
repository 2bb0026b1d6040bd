"""Every event the training service consumes, and the handler that applies it: one visible list."""

from events.accreditation import (AccreditationExpired, AccreditationGranted, AccreditationReinstated,
                                  AccreditationRenewalDue, AccreditationRenewed, AccreditationRevoked,
                                  AccreditationSurrendered, AccreditationSuspended)
from events.suppliers import (SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from servicekit.consumer import on
from training.providers.handlers import apply_accreditation_event, apply_supplier_event

SUBSCRIPTIONS = [
    *on(AccreditationGranted, AccreditationRenewalDue, AccreditationRenewed, AccreditationSuspended,
        AccreditationReinstated, AccreditationExpired, AccreditationRevoked, AccreditationSurrendered,
        handler=apply_accreditation_event),
    *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
        SupplierDeregistered, handler=apply_supplier_event),
]
