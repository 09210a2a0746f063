"""The stages of a run, one module each, in run order.

ingest → systems (published versions, MT) → bridge → align (+ beads as text) → metrics → significance
→ detectors → scorecard (MQM) → run folder. ``eval.runner`` calls them in that order, times each and
records the ones it does not run and why. A stage reads what earlier stages put in the run's record
(``eval.stages.state.RunState``) and adds its own part; the collaborators (translator, embedder,
metrics, detectors) are passed in, built from the config by the runner.
"""
