"""Invoices: listed, shown, posted (the one posting path), and paid."""
