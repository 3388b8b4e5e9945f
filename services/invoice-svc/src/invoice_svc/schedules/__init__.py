"""Billing schedules: what each order product of an activated order bills, and when."""
