"""The central governance store's HTTP API (starlette ASGI app served by uvicorn)."""
