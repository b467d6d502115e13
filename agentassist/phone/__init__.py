"""``agentassist phone``: the softphone on an agent's desk, its spool, and its uplink to the center."""
