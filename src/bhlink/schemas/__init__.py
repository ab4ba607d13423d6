"""Request and response shapes of the API (pydantic), shared by the HTTP layer and the services."""
