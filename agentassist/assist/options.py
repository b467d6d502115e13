"""The tracker's thresholds (``TrackerOptions``), validated at construction; a script's ``alerts:`` overrides.
Defined in agentassist/tracker_options.py, where the settings read their defaults without importing this
package; imported from here as before."""

from __future__ import annotations

from agentassist.tracker_options import TrackerOptions as TrackerOptions
