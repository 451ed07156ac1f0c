"""Leaf helpers every layer of ckeras may import: they import no other
ckeras module (see docs/architecture.md)."""
