"""The hub's consumer: the toolkit runner, without its stale-version drop.

The registry keeps each source's version itself (`hub_sources`) and ignores what is at or below it,
but it still looks at a late event for one thing: the earliest time the source was seen live, which
is what makes a shuffled stream give the same registry as an ordered one. The inbox still makes a
redelivered event a no-op.
"""

from __future__ import annotations

from datetime import datetime, timezone

from opentelemetry import trace

from events import Envelope, Event
from servicekit.consumer import ConsumerRunner, Subscription
from servicekit.tables import InboxRecord
from servicekit.telemetry import context_from_traceparent

tracer = trace.get_tracer("hub.consumer")


class RegistryConsumer(ConsumerRunner):
    async def _apply(self, envelope: Envelope, event: Event, subscription: Subscription) -> str:
        context = context_from_traceparent(envelope.traceparent)
        with tracer.start_as_current_span(f"consume {envelope.type}", context=context,
                                          kind=trace.SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.destination.name", event.TOPIC)
            span.set_attribute("messaging.message.id", envelope.id)
            async with self.database.transaction() as session:
                if await session.get(InboxRecord, (self.group, envelope.id)):
                    return "duplicate"
                session.add(InboxRecord(consumer_group=self.group, event_id=envelope.id, event_type=envelope.type,
                                        subject=envelope.subject, received_at=datetime.now(timezone.utc)))
                await subscription.handler(session, event)
                return "applied"
