"""The staff workspace behind ``/admin``: accounts and sessions, curated answers, content gaps, statistics,
corrections that become evaluation cases, evaluation runs and exports. Routes are in ``api/routes/staff_*.py``."""
