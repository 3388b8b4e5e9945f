"""q2c on one machine: embedded PostgreSQL, the Tansu broker and the four services (`q2c-dev`)."""

from q2c_devstack.servers import EmbeddedPostgres, ServerStartError, TansuBroker, free_port

__all__ = ["EmbeddedPostgres", "ServerStartError", "TansuBroker", "free_port"]
