"""How services reach each other: the registry of services, the resilient client (typed
method handles, retries, circuit breaker, a channel factory), and the mesh's keys."""
