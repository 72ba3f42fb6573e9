-- Issue 9: a station checks that a sale number is free among the sales it holds (pulled ones
-- included) before using it, so a data folder restored from a backup never repeats a number.
CREATE INDEX sales_number ON sales (number);
