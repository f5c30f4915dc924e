"""Event delivery (ring 2): the ``Bus`` contract, the in-process bus, and PostgreSQL NOTIFY.

Modules:
- ``bus``    -- ``Bus`` and ``Outbox`` protocols, channel names, payload helpers.
- ``local``  -- ``LocalBus``: in-process fan-out; persisted events go through an ``Outbox`` first
                and carry ``db_event_id``.
- ``pg``     -- ``PgNotifier`` (``pg_notify``) and ``PgListener`` (one LISTEN connection with
                reconnects) used for cross-replica cancellation.
"""

from tarsy.events.bus import CANCELLATIONS, SESSIONS, Bus, Outbox, session_channel
from tarsy.events.local import LocalBus

__all__ = ["CANCELLATIONS", "SESSIONS", "Bus", "LocalBus", "Outbox", "session_channel"]
