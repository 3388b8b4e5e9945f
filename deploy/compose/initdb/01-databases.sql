-- Run once by the postgres image on an empty data directory: one database per service, each
-- service owning its own (no service reads another's tables).
CREATE DATABASE q2c_quote;
CREATE DATABASE q2c_order;
CREATE DATABASE q2c_invoice;
CREATE DATABASE q2c_payment;
