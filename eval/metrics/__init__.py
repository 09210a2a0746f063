"""Metrics behind one interface (see ``base.Metric``)."""
