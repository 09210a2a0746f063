"""Error-span detectors (see ``base.Detector`` and ``base.Span``)."""
