-- Operator panel: the dashboard's monthly figures, and an index for the
-- audit browser.

-- Invoiced and collected amounts per month, kept by statement-level
-- triggers on public.invoices: the dashboard's 12-month chart reads 12 rows
-- instead of every invoice of the year (120,000 with 10,000 clients).
-- invoiced: Σ amount of the invoices of that period; collected: Σ amount of
-- the invoices paid in that month (whatever their period).
CREATE TABLE public.invoice_months (
    month     date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    invoiced  numeric NOT NULL DEFAULT 0,
    collected numeric NOT NULL DEFAULT 0
);

-- Applies the rows a statement inserted (new_rows, +) and removed (old_rows,
-- -): an UPDATE is both. Months are upserted in order, so concurrent
-- statements lock them in the same order.
CREATE FUNCTION public.invoice_months_apply() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public
    AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO public.invoice_months AS m (month, invoiced, collected)
        SELECT k, sum(inv), sum(col) FROM (
            SELECT period AS k, amount AS inv, 0 AS col FROM new_rows
            UNION ALL
            SELECT paid_at - extract(day FROM paid_at)::int + 1, 0, amount FROM new_rows WHERE paid_at IS NOT NULL
        ) d GROUP BY k ORDER BY k
        ON CONFLICT (month) DO UPDATE SET invoiced = m.invoiced + excluded.invoiced,
                                          collected = m.collected + excluded.collected;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO public.invoice_months AS m (month, invoiced, collected)
        SELECT k, -sum(inv), -sum(col) FROM (
            SELECT period AS k, amount AS inv, 0 AS col FROM old_rows
            UNION ALL
            SELECT paid_at - extract(day FROM paid_at)::int + 1, 0, amount FROM old_rows WHERE paid_at IS NOT NULL
        ) d GROUP BY k ORDER BY k
        ON CONFLICT (month) DO UPDATE SET invoiced = m.invoiced + excluded.invoiced,
                                          collected = m.collected + excluded.collected;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER invoice_months_insert AFTER INSERT ON public.invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_months_apply();
CREATE TRIGGER invoice_months_update AFTER UPDATE ON public.invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_months_apply();
CREATE TRIGGER invoice_months_delete AFTER DELETE ON public.invoices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_months_apply();

INSERT INTO public.invoice_months (month, invoiced, collected)
SELECT k, sum(inv), sum(col) FROM (
    SELECT period AS k, amount AS inv, 0 AS col FROM public.invoices
    UNION ALL
    SELECT paid_at - extract(day FROM paid_at)::int + 1, 0, amount FROM public.invoices WHERE paid_at IS NOT NULL
) d GROUP BY k;

-- A client's history in the operator audit log (target = schema), newest first.
CREATE INDEX operator_audit_target_idx ON public.operator_audit (target, id);
