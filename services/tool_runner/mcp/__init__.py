"""MCP both ways: mounting MCP servers' tools into the registry (``client``), and serving a
tenant's mesh tools to MCP clients (``server``)."""
