"""Where the marketplace shares them (CATALOGUE_AGENCY_SHORTLISTS_READABLE), a buyer reads the shortlists of
its agency's other buyers, and changes none; another agency's stay unseen. Unshared, each sees its own only."""

SHORTLISTS = "/api/v1/shortlists"


async def shortlists_of_two_agencies(stack) -> tuple[dict, dict, dict, str]:
    maker = await stack.as_new_client("buyer", "Ministry of Justice")
    colleague = await stack.as_new_client("buyer", "ministry of justice")
    stranger = await stack.as_new_client("buyer", "Department of Conservation")
    made = await stack.client.post(SHORTLISTS, json={"name": "Transcription tools"}, headers=maker)
    assert made.status_code == 201, made.text
    assert made.json()["agency"] == "Ministry of Justice"
    return maker, colleague, stranger, made.json()["id"]


async def test_a_buyer_reads_its_agencys_shortlists_only_where_shared_and_never_changes_them(stack):
    maker, colleague, stranger, shortlist_id = await shortlists_of_two_agencies(stack)
    url = f"{SHORTLISTS}/{shortlist_id}"
    # Not shared (the default): as if it did not exist.
    assert (await stack.client.get(url, headers=colleague)).status_code == 404
    assert (await stack.client.get(SHORTLISTS, params={"of": "agency"}, headers=colleague)).status_code == 403

    await stack.servers["catalogue"].stop()
    await stack.start_service("catalogue", agency_shortlists_readable=True)
    read = await stack.client.get(url, headers=colleague)
    assert read.status_code == 200, read.text
    assert read.json()["name"] == "Transcription tools"
    assert (await stack.client.get(f"{url}/export.csv", headers=colleague)).status_code == 200
    listed = (await stack.client.get(SHORTLISTS, params={"of": "agency"}, headers=colleague)).json()["data"]
    assert [row["id"] for row in listed] == [shortlist_id]
    assert (await stack.client.get(SHORTLISTS, headers=colleague)).json()["data"] == []

    # Read-only: every change is refused, and nothing changed.
    etag = read.headers["etag"]
    changes = [stack.client.patch(url, json={"name": "Mine now"}, headers=colleague | {"If-Match": etag}),
               stack.client.delete(url, headers=colleague),
               stack.client.put(f"{url}/items/anything", json={}, headers=colleague),
               stack.client.delete(f"{url}/items/anything", headers=colleague)]
    for change in changes:
        response = await change
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (await stack.client.get(url, headers=maker)).headers["etag"] == etag

    # Another agency's buyer sees nothing of it.
    assert (await stack.client.get(url, headers=stranger)).status_code == 404
    assert (await stack.client.get(SHORTLISTS, params={"of": "agency"}, headers=stranger)).json()["data"] == []
