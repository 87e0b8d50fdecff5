CREATE INDEX email_outbox_lease ON email_outbox (status, lease_until);
