"""The bot's core: corpus, passages, embeddings, index, search, safety and answers.

Nothing in this package imports discord; the Discord adapter, the CLI and the tests share it.
"""
