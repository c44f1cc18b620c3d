-- A booked session whose specialist, room or length is changed (issue 13)
-- tells the patient by e-mail like a move or a cancellation does: one more
-- kind of message in the outbox.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'cancellation', 'move', 'change', 'agenda', 'document'));
