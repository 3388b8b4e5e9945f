"""The bill-to accounts read model: what invoices need of quote-svc's accounts."""
