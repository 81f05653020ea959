"""Bot layer: query understanding, hybrid retrieval, grounded answers and conversations."""
