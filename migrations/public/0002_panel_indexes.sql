-- Operator panel: indexes for billing, the dashboard and the audit browser.

-- The dashboard's 12-month chart sums invoices by period and by payment
-- month; without these it reads every invoice ever issued.
CREATE INDEX invoices_period_idx ON public.invoices (period) INCLUDE (amount);
CREATE INDEX invoices_paid_at_idx ON public.invoices (paid_at) INCLUDE (amount) WHERE paid_at IS NOT NULL;

-- A client's history in the operator audit log (target = schema), newest first.
CREATE INDEX operator_audit_target_idx ON public.operator_audit (target, id);
