/**
 * The report rollups rebuilt from the synced rows (see migrations/local/005_back_office.sql):
 * after a bootstrap, which writes with the rollup triggers set aside (one pass here is far
 * cheaper than a trigger per row), and when the station's time zone changes.
 *
 * Same results as the migration's first fill, cheaper on a year of a busy shop: a sale's local
 * day and hour come from one 'localtime' conversion, not two; and the voided sales (few) are
 * gathered once for `NOT IN` rather than looked up in `sales` for every item (`saleId` and
 * `id` are NOT NULL, so NOT IN and NOT EXISTS agree).
 */
export const REBUILD_ROLLUPS_SQL = `
  DELETE FROM report_sales; DELETE FROM report_items; DELETE FROM report_items_monthly;
  INSERT INTO report_sales (day, hour, stationId, userId, paymentMethod, sales, total, voided, voidedTotal)
  SELECT substr(localHour, 1, 10), CAST(substr(localHour, 12, 2) AS INTEGER), stationId, userId, paymentMethod,
    sales, total, voided, voidedTotal
  FROM (SELECT strftime('%Y-%m-%d %H', createdAt, 'localtime') AS localHour, stationId, userId, paymentMethod,
      sum(status = 'completed') AS sales, sum(CASE WHEN status = 'completed' THEN total ELSE 0 END) AS total,
      sum(status = 'voided') AS voided, sum(CASE WHEN status = 'voided' THEN total ELSE 0 END) AS voidedTotal
    FROM sales WHERE deletedAt IS NULL GROUP BY 1, 2, 3, 4);
  INSERT INTO report_items (day, productId, quantity, amount, lines)
  SELECT date(i.createdAt, 'localtime'), i.productId, sum(i.quantity), sum(i.lineTotal), count(*)
  FROM sale_items i WHERE i.deletedAt IS NULL AND i.saleId NOT IN (SELECT id FROM sales WHERE status = 'voided')
  GROUP BY 1, 2;
  INSERT INTO report_items_monthly (month, productId, quantity, amount, lines)
  SELECT substr(day, 1, 7), productId, sum(quantity), sum(amount), sum(lines) FROM report_items GROUP BY 1, 2;`;
