"""Index layer: load, clean and chunk corpus files, then embed them into FAISS and BM25 stores."""
