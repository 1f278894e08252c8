-- rowshift:kind copy
-- rowshift:from a
-- rowshift:key id
-- rowshift:to b
-- rowshift:batch-size 500
-- rowshift:where x > 0
id
"odd col" = upper(
    name)
