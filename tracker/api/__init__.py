"""The JSON API under /api/v1/: the same services, selectors and rules as the web pages."""
