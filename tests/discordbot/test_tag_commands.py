"""Looking articles up by tag through Discord: /tags, /tag, paging and autocomplete within 3 seconds."""

from __future__ import annotations


def custom_ids(data: dict) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


async def test_tags_tag_and_autocomplete(start_bot):
    env = await start_bot()
    tags = await env.fake.response_to(await env.fake.slash("tags"))
    assert tags.body["type"] == 4
    listing = tags.body["data"]["embeds"][0]["description"]
    assert "**healing** · 8 articles" in listing
    assert custom_ids(tags.body["data"])  # 70 tags: paged
    nxt = next(i for i in custom_ids(tags.body["data"]) if i.endswith(":next"))
    page2 = await env.fake.response_to(await env.fake.click(nxt, env.fake.as_message(tags)))
    assert page2.body["type"] == 7 and "Page 2" in page2.body["data"]["embeds"][0]["footer"]["text"]

    tag = await env.fake.response_to(await env.fake.slash("tag", {"name": "#PostTraumaticGrowth"}))
    embeds = tag.body["data"]["embeds"]
    assert embeds[0]["title"] == "Articles tagged 'post-traumatic growth'"
    assert embeds[1]["title"].startswith("How Sexual Intimacy") and embeds[1]["description"].startswith(">>> ")

    healing = await env.fake.response_to(await env.fake.slash("tag", {"name": "HEALING"}))
    assert "page 1 of 2" in healing.body["data"]["embeds"][0]["description"]

    unknown = await env.fake.response_to(await env.fake.slash("tag", {"name": "healng"}))
    assert unknown.body["data"]["flags"] == 64 and "Did you mean: healing" in unknown.body["data"]["content"]

    iid = await env.fake.autocomplete("tag", "name", "Post Trau")
    ac = await env.fake.response_to(iid)
    assert ac.body == {
        "type": 8,
        "data": {"choices": [{"name": "post-traumatic growth (1)", "value": "post-traumatic growth"}]},
    }
    assert env.fake.acknowledged_in(iid) < 3.0
    ac = await env.fake.response_to(await env.fake.autocomplete("ask", "tag", "#"))
    assert len(ac.body["data"]["choices"]) == 25
    assert not env.fake.refused()
