-- rowshift:kind update
-- rowshift:table orders_v2
-- rowshift:key id
--
-- {{batch}} becomes the key range of each batch, so every statement touches at most
-- one batch of rows and commits with that batch's checkpoint.
UPDATE orders_v2
   SET total_with_vat_cents = CAST(round(total_cents * 1.2) AS INTEGER)
 WHERE {{batch}}
