-- An operator gave up on a failed image: nothing retries it any more (next_attempt_at is cleared with it), and the
-- admin listing's default view ("needs attention") leaves it out. An admin retry clears it again.
alter table images add column given_up_at timestamptz;

-- Admin listing and CSV export without a status filter: keyset pagination by (created_at, id).
create index submissions_created_idx on submissions (created_at, id);
