"""agentassist.transcribe"""
