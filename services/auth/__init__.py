"""auth: tenants, users and API keys, and the signed tokens every other service checks."""
