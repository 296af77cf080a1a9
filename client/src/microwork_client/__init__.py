"""A client for microwork's REST API v1; installs without the server (`pip install ./client`)."""
