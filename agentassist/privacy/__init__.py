"""Personal data in what is said: found, masked before it is stored or sent, and silenced in the recording."""
