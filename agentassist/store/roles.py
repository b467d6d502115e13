"""The users' roles, in a module of their own without SQLAlchemy: ``agentassist users add --role`` names
them in the CLI's parser, which every command builds, the desk's ``agentassist phone`` included (issue 16:
importing the store there cost the phone 20 MB of its 60 MB idle budget)."""

from __future__ import annotations

ROLES = ("agent", "team_leader", "quality_checker", "supervisor", "admin", "client")
