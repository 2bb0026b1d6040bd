"""Every event the catalogue consumes, and the handler that applies it: one visible list."""

from events.suppliers import (AgreementActivated, AgreementExpired, AgreementOffered, AgreementReinstated,
                              AgreementSigned, AgreementSuspended, AgreementTerminated, AgreementVaried,
                              SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from servicekit.consumer import on
from catalogue.eligibility.handlers import apply_agreement_event, apply_supplier_event

SUBSCRIPTIONS = [
    *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
        SupplierDeregistered, handler=apply_supplier_event),
    *on(AgreementOffered, AgreementSigned, AgreementActivated, AgreementVaried, AgreementSuspended,
        AgreementReinstated, AgreementExpired, AgreementTerminated, handler=apply_agreement_event),
]
