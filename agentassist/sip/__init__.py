"""agentassist.sip"""
