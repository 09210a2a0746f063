"""Sentence segmentation, as the corpus readers call it; the language knowledge is in eval.languages."""

from eval.languages.sentences import segment_lines, split_sentences

__all__ = ["segment_lines", "split_sentences"]
