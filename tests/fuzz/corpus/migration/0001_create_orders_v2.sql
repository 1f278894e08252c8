-- The new home of orders: names cleaned up, money in integer cents, a day instead of
-- a timestamp, and a column the backfill (0003) fills in.
CREATE TABLE orders_v2 (
  id                   INTEGER PRIMARY KEY,
  customer_name        TEXT NOT NULL,
  total_cents          INTEGER,
  currency             TEXT NOT NULL,
  note                 TEXT,
  ordered_on           TEXT NOT NULL,
  total_with_vat_cents INTEGER
);
