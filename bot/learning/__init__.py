"""Training (``policybot train``): what retrieval learns from real question/article pairs. Nothing here runs when
answering; answering reads the files training writes (``bot.models``)."""
