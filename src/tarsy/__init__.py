"""TARSy: alerts in, root-cause analyses out."""

__version__ = "0.1.0"
