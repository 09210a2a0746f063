"""Meta-evaluation: the harness's metrics and error spans against human MQM judgements.

``eval.meta.mqm_tsv`` reads Google's MQM TSV, ``eval.meta.build`` turns it into a line-aligned set the
harness runs on, and ``python -m eval.meta RUN_FOLDER --mqm TSV`` compares a run with the humans.
"""
