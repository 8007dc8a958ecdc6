"""Plain-Python clients the connector is measured against."""
