"""Price tables shipped as package data (``prices.yaml``)."""
