-- Printable documents (receipt, statement, cash close, agenda) sent by
-- e-mail as a PDF attachment go through the outbox too (issue 14): one
-- more kind of message. The PDF travels in the payload, so the clinic's
-- outbox shows and can resend it like any other message.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'cancellation', 'move', 'agenda', 'document'));
