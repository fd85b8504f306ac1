"""xlgen: zero-shot cross-lingual transfer in generation, as a Snakemake workflow."""

__version__ = "0.1.0"
