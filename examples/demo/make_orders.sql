-- The demo's legacy `orders` table: 200,000 rows with sparse ids (gaps, one jump of
-- ten million), NULLs, quotes, newlines and non-ASCII text. Deterministic.
CREATE TABLE orders (
  id         INTEGER PRIMARY KEY,
  customer   TEXT,
  amount     REAL,
  currency   TEXT NOT NULL,
  note       TEXT,
  created_at TEXT NOT NULL
);
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 200000)
INSERT INTO orders (id, customer, amount, currency, note, created_at)
SELECT n * 3 + (n % 3) + CASE WHEN n > 150000 THEN 10000000 ELSE 0 END,
       CASE n % 10
         WHEN 0 THEN NULL
         WHEN 1 THEN 'O''Brien ' || n
         WHEN 2 THEN '  Zoë Ångström ' || n || '  '
         WHEN 3 THEN '李小龍 ' || n
         WHEN 4 THEN 'Robert"); DROP TABLE orders; -- ' || n
         ELSE 'Customer ' || n
       END,
       CASE WHEN n % 17 = 0 THEN NULL ELSE (n % 100000) / 100.0 END,
       CASE n % 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' ELSE 'JPY' END,
       CASE WHEN n % 13 = 0 THEN 'line one' || char(10) || 'line "two" ✓'
            WHEN n % 5 = 0 THEN NULL
            ELSE 'note ' || n END,
       datetime(1700000000 + n * 61, 'unixepoch')
FROM seq;
