"""Persistent search stores: dense (FAISS) and lexical (BM25)."""
