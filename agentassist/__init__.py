"""agentassist: softphone, call recorder and live agent assistant for call centers."""

__version__ = "0.1.0"
