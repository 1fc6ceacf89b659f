"""Portie: every open port on this computer, explained."""

__version__ = "0.1.0"
