"""MT engines behind one interface (see ``base.Translator``)."""
