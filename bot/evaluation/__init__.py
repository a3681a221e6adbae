"""Measurements: crisis detection on a labelled set (retrieval evaluation builds on this)."""
