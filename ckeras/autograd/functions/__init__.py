"""The Functions of the tape, one family per module."""
