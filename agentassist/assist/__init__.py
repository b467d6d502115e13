"""agentassist.assist"""
