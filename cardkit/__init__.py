"""cardkit: MTEB results in, validated Hugging Face model cards out."""

__version__ = "0.1.0"
