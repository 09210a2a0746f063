"""Function words and tokens for the detectors; the per-language lists live in eval.languages.stopwords."""

from eval.languages.stopwords import is_content, is_number, is_stopword, tokens

__all__ = ["is_content", "is_number", "is_stopword", "tokens"]
