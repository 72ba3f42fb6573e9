-- Issue 13 (back office): a product's minimum stock level, and the station's report rollups.
ALTER TABLE products ADD COLUMN minStock INTEGER;
CREATE INDEX IF NOT EXISTS stock_movements_product_time ON stock_movements (productId, createdAt);
-- Reports that read sales themselves (taxes per rate) find a period's sales by date.
CREATE INDEX IF NOT EXISTS sales_created ON sales (createdAt);

-- Reports must open at once over a year of a busy shop (300,000 sales, 1,000,000 items), so
-- the station keeps two small local rollups (never synced) that triggers keep exact however a
-- row arrives: a local write, a pulled page, a bootstrap. Days and hours are the station's
-- local time (SQLite's 'localtime'); core/reports rebuilds the rollups when the time zone changes.
--   report_sales: per hour, station, cashier and payment method, completed and voided sales.
--   report_items (and report_items_monthly): per day (month) and product, the quantity and
--   amount of items of sales not voided.
-- Order does not matter: an item that arrives before its (voided) sale is taken out again when
-- the sale arrives, and an item of a sale already known to be voided is not counted.
CREATE TABLE report_sales (
  day TEXT NOT NULL, hour INTEGER NOT NULL, stationId TEXT NOT NULL, userId TEXT NOT NULL,
  paymentMethod TEXT NOT NULL, sales INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
  voided INTEGER NOT NULL DEFAULT 0, voidedTotal INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, hour, stationId, userId, paymentMethod)
) WITHOUT ROWID;

CREATE TABLE report_items (
  day TEXT NOT NULL, productId TEXT NOT NULL, quantity INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, productId)
) WITHOUT ROWID;

-- The same per month, so a year's product ranking reads 12 rows per product, not 365.
CREATE TABLE report_items_monthly (
  month TEXT NOT NULL, productId TEXT NOT NULL, quantity INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (month, productId)
) WITHOUT ROWID;

CREATE TRIGGER report_sale_inserted AFTER INSERT ON sales WHEN new.deletedAt IS NULL BEGIN
  INSERT INTO report_sales (day, hour, stationId, userId, paymentMethod, sales, total, voided, voidedTotal)
  VALUES (date(new.createdAt, 'localtime'), CAST(strftime('%H', new.createdAt, 'localtime') AS INTEGER),
          new.stationId, new.userId, new.paymentMethod,
          new.status = 'completed', CASE WHEN new.status = 'completed' THEN new.total ELSE 0 END,
          new.status = 'voided', CASE WHEN new.status = 'voided' THEN new.total ELSE 0 END)
  ON CONFLICT DO UPDATE SET sales = sales + excluded.sales, total = total + excluded.total,
    voided = voided + excluded.voided, voidedTotal = voidedTotal + excluded.voidedTotal;
  -- Items that arrived before their voided sale come out again.
  INSERT INTO report_items (day, productId, quantity, amount, lines)
  SELECT date(createdAt, 'localtime'), productId, -quantity, -lineTotal, -1 FROM sale_items
  WHERE saleId = new.id AND deletedAt IS NULL AND new.status = 'voided'
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
  INSERT INTO report_items_monthly (month, productId, quantity, amount, lines)
  SELECT strftime('%Y-%m', createdAt, 'localtime'), productId, -quantity, -lineTotal, -1 FROM sale_items
  WHERE saleId = new.id AND deletedAt IS NULL AND new.status = 'voided'
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
END;

CREATE TRIGGER report_sale_voided AFTER UPDATE OF status ON sales
WHEN old.status = 'completed' AND new.status = 'voided' AND new.deletedAt IS NULL BEGIN
  UPDATE report_sales SET sales = sales - 1, total = total - old.total, voided = voided + 1,
    voidedTotal = voidedTotal + old.total
  WHERE day = date(old.createdAt, 'localtime') AND hour = CAST(strftime('%H', old.createdAt, 'localtime') AS INTEGER)
    AND stationId = old.stationId AND userId = old.userId AND paymentMethod = old.paymentMethod;
  INSERT INTO report_items (day, productId, quantity, amount, lines)
  SELECT date(createdAt, 'localtime'), productId, -quantity, -lineTotal, -1 FROM sale_items
  WHERE saleId = new.id AND deletedAt IS NULL
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
  INSERT INTO report_items_monthly (month, productId, quantity, amount, lines)
  SELECT strftime('%Y-%m', createdAt, 'localtime'), productId, -quantity, -lineTotal, -1 FROM sale_items
  WHERE saleId = new.id AND deletedAt IS NULL
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
END;

CREATE TRIGGER report_item_inserted AFTER INSERT ON sale_items
WHEN new.deletedAt IS NULL AND NOT EXISTS (SELECT 1 FROM sales WHERE id = new.saleId AND status = 'voided') BEGIN
  INSERT INTO report_items (day, productId, quantity, amount, lines)
  VALUES (date(new.createdAt, 'localtime'), new.productId, new.quantity, new.lineTotal, 1)
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
  INSERT INTO report_items_monthly (month, productId, quantity, amount, lines)
  VALUES (strftime('%Y-%m', new.createdAt, 'localtime'), new.productId, new.quantity, new.lineTotal, 1)
  ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
    lines = lines + excluded.lines;
END;

-- What an existing station already holds (core/reports' rebuildRollups does the same).
INSERT INTO report_sales (day, hour, stationId, userId, paymentMethod, sales, total, voided, voidedTotal)
SELECT date(createdAt, 'localtime'), CAST(strftime('%H', createdAt, 'localtime') AS INTEGER), stationId, userId,
  paymentMethod, sum(status = 'completed'), sum(CASE WHEN status = 'completed' THEN total ELSE 0 END),
  sum(status = 'voided'), sum(CASE WHEN status = 'voided' THEN total ELSE 0 END)
FROM sales WHERE deletedAt IS NULL GROUP BY 1, 2, 3, 4, 5;
INSERT INTO report_items (day, productId, quantity, amount, lines)
SELECT date(i.createdAt, 'localtime'), i.productId, sum(i.quantity), sum(i.lineTotal), count(*)
FROM sale_items i WHERE i.deletedAt IS NULL
  AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = i.saleId AND s.status = 'voided')
GROUP BY 1, 2;
INSERT INTO report_items_monthly (month, productId, quantity, amount, lines)
SELECT substr(day, 1, 7), productId, sum(quantity), sum(amount), sum(lines) FROM report_items GROUP BY 1, 2;
