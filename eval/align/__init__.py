"""Cross-lingual alignment: sentences (DP over embedding similarities), then words (SimAlign-style)."""
