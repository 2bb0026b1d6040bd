"""The words of a query are read the same way for both databases."""

import asyncpg

from catalogue.search.text import STOP_WORDS, terms_of
from servicekit.testing import POSTGRES_ADMIN_DSN


def test_words_are_folded_and_common_english_words_left_out():
    assert terms_of("The Māori TRANSLATION of a document, don't") == ["maori", "translation", "document"]
    assert terms_of("the and of") == []


async def test_every_word_left_out_is_one_postgresql_leaves_out_too():
    # If PostgreSQL indexed one of these words, leaving it out would make a query match more there.
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        indexed = await connection.fetch("SELECT word FROM unnest($1::text[]) AS word "
                                         "WHERE numnode(plainto_tsquery('english', word)) > 0", sorted(STOP_WORDS))
    finally:
        await connection.close()
    assert [row["word"] for row in indexed] == []
