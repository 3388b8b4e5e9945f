"""The pure domain of invoice-svc: periods, splitting, drafting, tax, crediting, numbers and
balances. No session, no API schemas, no SQLAlchemy, no clock: plain data in, plain data out."""
