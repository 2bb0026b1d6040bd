"""Every event the catalogue consumes, and the handler that applies it: one visible list."""

from events.suppliers import (AgreementActivated, AgreementExpired, AgreementOffered, AgreementReinstated,
                              AgreementSigned, AgreementSuspended, AgreementTerminated, AgreementVaried,
                              SupplierDeregistered, SupplierReinstated, SupplierRegistered, SupplierSuspended,
                              SupplierUpdated, SupplierVerified)
from events.assurance import ASSESSMENT_TOPIC
from servicekit.clock import Clock
from servicekit.consumer import Subscription, on
from catalogue.offering.handlers import assurance_handler, eligibility_handlers


def subscriptions(clock: Clock) -> list[Subscription]:
    apply_supplier_event, apply_agreement_event = eligibility_handlers(clock)
    return [
        *on(SupplierRegistered, SupplierVerified, SupplierUpdated, SupplierSuspended, SupplierReinstated,
            SupplierDeregistered, handler=apply_supplier_event),
        *on(AgreementOffered, AgreementSigned, AgreementActivated, AgreementVaried, AgreementSuspended,
            AgreementReinstated, AgreementExpired, AgreementTerminated, handler=apply_agreement_event),
        *on(*ASSESSMENT_TOPIC.events, handler=assurance_handler(clock)),
    ]
