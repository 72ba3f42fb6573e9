/**
 * The report rollups rebuilt from the synced rows (see migrations/local/005_back_office.sql):
 * after a bootstrap, which writes with the rollup triggers set aside (one pass here is far
 * cheaper than a trigger per row), and when the station's time zone changes.
 */
export const REBUILD_ROLLUPS_SQL = `
  DELETE FROM report_sales; DELETE FROM report_items; DELETE FROM report_items_monthly;
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
  SELECT substr(day, 1, 7), productId, sum(quantity), sum(amount), sum(lines) FROM report_items GROUP BY 1, 2;`;
