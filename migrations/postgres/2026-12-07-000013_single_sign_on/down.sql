DROP TABLE sign_in_flows;
ALTER TABLE staff_sessions DROP COLUMN id_token;
