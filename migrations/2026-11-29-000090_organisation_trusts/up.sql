-- Which organisations' partners may register people for an organisation's events, besides
-- its own partners: `organisation_id` trusts `trusted_organisation_id`. Set by the trusting
-- organisation's organisers (or an admin); read by every registration of a partner, in the
-- statement that locks the event.
CREATE TABLE organisation_trusts (
    organisation_id          uuid NOT NULL REFERENCES organisations (id),
    trusted_organisation_id  uuid NOT NULL REFERENCES organisations (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    -- The admin or organiser who set it.
    created_by               uuid NOT NULL,
    PRIMARY KEY (organisation_id, trusted_organisation_id),
    -- An organisation's own partners need no trust.
    CONSTRAINT organisation_trusts_not_itself CHECK (organisation_id <> trusted_organisation_id)
);
-- A registration asks which organisations trust the partner's organisation.
CREATE INDEX organisation_trusts_trusted_idx ON organisation_trusts (trusted_organisation_id, organisation_id);
