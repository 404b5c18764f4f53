"""Resource names for fuzzed requests: names in the fuzz tenant, names the services gave back,
names in other tenants, and names that are no names at all."""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

# Stands for a lone surrogate, which protobuf's Python API cannot encode (see Fuzzed.wire).
LONE_SURROGATE = "\uf8ff"


class KnownNames:
    """The latest resource names the services answered with, for later requests to name (an
    Update or Delete of a goal that exists reaches further than one of a goal that does not)."""

    def __init__(self, keep: int = 200) -> None:
        self._names: collections.deque[str] = collections.deque(maxlen=keep)

    def remember(self, message: Message) -> None:
        """Every ``name`` in ``message``, nested messages and lists included."""
        for field, value in message.ListFields():
            if field.name == "name" and field.type == FieldDescriptor.TYPE_STRING:
                if value and value not in self._names:
                    self._names.append(value)
            elif field.message_type is not None and not field.message_type.GetOptions(
                    ).map_entry:
                for item in value if field.is_repeated else [value]:
                    self.remember(item)

    def pick(self, generated: str, index: int, pattern: str) -> str:
        """The ``index``-th known name that matches ``pattern``; ``generated`` if none does."""
        matching = [n for n in self._names if re.fullmatch(pattern, n)]
        return matching[index % len(matching)] if matching else generated


@dataclass(frozen=True)
class Names:
    """Names for requests acting in ``tenant``."""

    tenant: str
    known: KnownNames

    def or_known(self, names: st.SearchStrategy[str], pattern: str) -> st.SearchStrategy[str]:
        """``names``, or known names that match ``pattern``."""
        return names | st.tuples(names, st.integers(0, 255)).map(
            lambda drawn: self.known.pick(*drawn, pattern))

    def moved_here(self, name: str, pattern: str) -> str:
        """``name`` moved into the fuzz tenant, if its pattern still matches."""
        moved = re.sub(r"^tenants/[^/]*", f"tenants/{self.tenant}", name, count=1)
        return moved if re.fullmatch(pattern, moved) else name

    def of(self, pattern: str, tenant: st.SearchStrategy[str] | None = None
           ) -> st.SearchStrategy[str]:
        """Names of resource ``pattern`` (``tenants/{tenant}/goals/{goal}``) in the fuzz
        tenant (or one of ``tenant``), with short ids."""
        ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,7}", fullmatch=True)
        count = pattern.count("{")

        def fill(owner: str, values: list[str]) -> str:
            variables = iter(values)
            return re.sub(r"\{(\w+)\}", lambda m: owner if m.group(1) == "tenant"
                          else next(variables), pattern)

        return st.builds(fill, st.just(self.tenant) if tenant is None else tenant,
                         st.lists(ids, min_size=count, max_size=count))

    def broken(self) -> st.SearchStrategy[str]:
        """Strings that look like names and are not."""
        t = self.tenant
        return st.sampled_from((
            "tenants", "tenants/", "tenants/-", "tenants//goals/x", "tenants/*", f"/tenants/{t}",
            f"tenants/{t}/", f"tenants/{t}/goals", f"tenants/{t}/goals/-", f"TENANTS/{t}",
            f"tenants/{t}/goals/../x", f"tenants/{t}/goals/a%2Fb", f"tenants/{t}/nothing/x",
            f"tenants/{t}/goals/x/tasks/y/z", f"tenants/{t}/goals/{'a' * 300}",
            f"tenants/{t}/goals/{LONE_SURROGATE}", f"tenants/{t}\x00"))
