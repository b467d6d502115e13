"""agentassist.api"""
