"""Pure ASGI middleware of the app: request body limit, security headers, and unhandled errors."""
