"""agentassist.audio"""
