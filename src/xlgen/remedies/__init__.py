"""Remedies for output in the wrong language (issue 23), one module each.

Decode-time remedies change how a trained model decodes and never its weights:
`script_mask` (forbid the tokens of scripts the target language does not use). Importing
this package imports neither torch nor transformers.
"""
