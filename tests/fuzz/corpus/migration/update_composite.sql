-- rowshift:kind update
-- rowshift:table t
-- rowshift:key a, b
UPDATE t SET x = 1 WHERE {{batch}};
