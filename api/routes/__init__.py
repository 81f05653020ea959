"""HTTP routes of the PolicyBot API."""
