"""leadcheck: 360-degree leadership assessments from plain YAML instruments."""

__version__ = "0.1.0"
