"""agentassist.store"""
