DROP TABLE organisation_trusts;
