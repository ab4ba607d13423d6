"""HTTP entry point: FastAPI routers, schemas, problem details."""
