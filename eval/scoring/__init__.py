"""Scoring on top of metric results: bootstrap CIs and paired tests (bootstrap.py), MQM (mqm.py)."""
