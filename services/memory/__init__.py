"""memory: agents' memories, their namespaces and the policies that forget them."""
