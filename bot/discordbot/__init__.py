"""The Discord adapter: client, cogs and rendering over the core library."""
