"""Multilingual encoders behind one interface (see ``base.Embedder``)."""
