"""The sync queue and its sender against a real database (SQLite and PostgreSQL), with a scripted hub
client: a change made while an earlier one is in flight is sent after it, never before and never lost;
a failure keeps the row and backs off; signatures refuse tampering."""

import asyncio
from datetime import datetime, timezone

from sqlalchemy import select

from hub.flows import HubFlows
from hub.settings import HubSettings
from hub.sync.client import HubClient, HubUnavailable
from hub.sync.models import SyncItem, SyncState
from hub.sync.sender import SyncSender
from hub.sync.signature import NONCE_HEADER, ReplayGuard, sign, verify
from servicekit.db import Database

AT = datetime(2026, 11, 27, tzinfo=timezone.utc)


def content(name: str, *, listed: bool = True) -> dict:
    return {"id": "offering:o-1", "type": "offering", "source_type": "offering", "source_id": "o-1",
            "source_version": 1, "link": "/api/v1/offerings/o-1", "name": name, "summary": "s", "status": "published",
            "listed": listed, "source_changed_at": AT}


class ScriptedHub:
    """Records what it is sent; `during_put` runs while a PUT is in flight; `fail` makes it answer 503."""

    def __init__(self):
        self.sent: list[tuple[str, str, int | None]] = []
        self.during_put = None
        self.fail = False

    async def put(self, entry_id: str, document: dict) -> None:
        if self.during_put:
            action, self.during_put = self.during_put, None
            await action()
        if self.fail:
            raise HubUnavailable("503")
        self.sent.append(("PUT", entry_id, document["version"]))

    async def delete(self, entry_id: str) -> None:
        if self.fail:
            raise HubUnavailable("503")
        self.sent.append(("DELETE", entry_id, None))


FLOWS = HubFlows(push_to_hub=True)  # these tests are about the queue


async def change(database: Database, document: dict) -> None:
    async with database.transaction() as session:
        await FLOWS.write_entry(session, document, at=AT)


async def queued(database: Database) -> list[SyncItem]:
    async with database.sessions() as session:
        return list((await session.execute(select(SyncItem))).scalars().all())


async def test_a_change_in_flight_is_followed_by_the_newer_one_and_a_leaver_is_deleted(database):
    client = ScriptedHub()
    sender = SyncSender(database, HubSettings(sync_url="http://hub.invalid"), client, asyncio.Event())
    await change(database, content("first"))
    client.during_put = lambda: change(database, content("second"))

    await sender.push_due()
    assert client.sent == [("PUT", "offering:o-1", 1)]
    assert [(i.entry_id, i.entry_version) for i in await queued(database)] == [("offering:o-1", 2)]

    await sender.push_due()
    assert client.sent[-1] == ("PUT", "offering:o-1", 2) and await queued(database) == []

    await change(database, content("second", listed=False))
    await sender.push_due()
    assert client.sent[-1] == ("DELETE", "offering:o-1", None) and await queued(database) == []


async def test_a_failed_push_stays_queued_and_backs_off(database):
    client = ScriptedHub()
    settings = HubSettings(sync_url="http://hub.invalid", sync_backoff_first_seconds=30)
    sender = SyncSender(database, settings, client, asyncio.Event())
    await change(database, content("first"))
    client.fail = True

    await sender.push_due()
    [item] = await queued(database)
    assert item.attempts == 1 and "503" in item.last_error
    assert (item.next_attempt_at - datetime.now(timezone.utc)).total_seconds() > 20
    client.fail = False
    assert await sender.push_due() == 0 and client.sent == []  # not due yet
    async with database.sessions() as session:
        state = await session.get(SyncState, 1)
        assert state.failures_total == 1 and state.consecutive_failures == 1 and state.last_success_at is None


def test_the_signature_covers_time_nonce_method_host_path_query_and_body():
    request = ("PUT", "hub.example", "/entries/offering:1?dry_run=0", b'{"a":1}')
    headers = sign("secret", *request, now=1_000_000)
    assert verify("secret", *request, headers, now=1_000_010)
    tampered = [("other", *request), ("secret", "DELETE", *request[1:]),
                ("secret", "PUT", "evil.example", *request[2:]),
                ("secret", "PUT", "hub.example", "/entries/offering:2?dry_run=0", b'{"a":1}'),
                ("secret", "PUT", "hub.example", "/entries/offering:1?dry_run=1", b'{"a":1}'),
                ("secret", "PUT", "hub.example", "/entries/offering:1", b'{"a":1}'),
                ("secret", "PUT", "hub.example", "/entries/offering:1?dry_run=0", b'{"a":2}')]
    for secret, *changed in tampered:
        assert not verify(secret, *changed, headers, now=1_000_010), changed
    assert not verify("secret", *request, headers | {NONCE_HEADER: "another"}, now=1_000_010)
    assert not verify("secret", *request, headers, now=1_000_000 + 3600)
    assert not verify("secret", *request, {}, now=1_000_000)


def test_a_nonce_is_accepted_once_within_the_window():
    guard = ReplayGuard(window_seconds=300)
    first, second = sign("s", "GET", "h", "/entries", now=1_000), sign("s", "GET", "h", "/entries", now=1_000)
    assert first[NONCE_HEADER] != second[NONCE_HEADER]
    assert guard.first_use(first, now=1_000) and guard.first_use(second, now=1_001)
    assert not guard.first_use(first, now=1_200)
    assert guard.first_use(first, now=1_000 + 601)  # forgotten once its timestamp is stale anyway


async def test_the_fake_hub_refuses_a_replayed_push(fake_hub):
    client = HubClient(fake_hub.url, fake_hub.secret)
    try:
        await client.put("offering:o-1", {"id": "offering:o-1", "version": 1, "digest": "d"})
        [(method, url, headers, body)] = fake_hub.received[-1:]
        replayed = await client.http.request(method, url, headers=headers, content=body)
    finally:
        await client.close()
    assert replayed.status_code == 401 and fake_hub.refused_replays == 1


async def test_a_change_committed_while_a_push_is_recorded_is_not_lost(database):
    client = ScriptedHub()
    sender = SyncSender(database, HubSettings(sync_url="http://hub.invalid"), client, asyncio.Event())
    await change(database, content("first"))
    [item], found = await sender._claim_due()
    pushed = await sender._push(item.entry_id, found[item.entry_id])  # version 1 reaches the hub

    async with database.transaction() as session:  # the registry changes meanwhile, its write not yet committed
        await FLOWS.write_entry(session, content("second"), at=AT)
        await session.flush()
        recording = asyncio.create_task(sender._record([pushed]))
        await asyncio.sleep(0.3)  # the sender is now waiting for this transaction to end
    await recording

    assert [(i.entry_id, i.entry_version) for i in await queued(database)] == [("offering:o-1", 2)]
    await sender.push_due()
    assert client.sent == [("PUT", "offering:o-1", 1), ("PUT", "offering:o-1", 2)]
