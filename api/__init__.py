"""Entry points: the FastAPI app, its pages and channels, and the ``policybot`` command."""
