-- rowshift:kind copy
-- rowshift:from orders
-- rowshift:key id
-- rowshift:to orders_v2
--
-- Each line maps a column of orders_v2 to an SQL expression over orders.
id            = id
customer_name = coalesce(trim(customer), '(unknown)')
total_cents   = CAST(round(amount * 100) AS INTEGER)
currency      = currency
note          = note
ordered_on    = date(created_at)
