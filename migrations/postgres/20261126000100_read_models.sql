-- Read models: the tables GraphQL queries read, projected from the event log by the
-- officina-projections crate inside every append transaction (so they never lag the log).
--
-- Conventions, identical on SQLite and PostgreSQL so that both hold the same rows and the same
-- digest: ids are hyphenated UUID text; instants are RFC 3339 text in UTC with microseconds
-- (they sort as text in time order); flags are 0 or 1; JSON values are canonical text.
-- `position` columns hold the log position of the event a row records, `created_position` the
-- position of the event that created an entity and `last_position` the last event that changed it.
-- Every table and index name starts with `rm_`: a rebuild creates the same shapes under another
-- prefix, fills them from position 0 and swaps them in.
-- Nothing here is a source of truth; these tables can always be dropped and rebuilt from the log.

CREATE TABLE rm_streams (
    stream_id     TEXT   PRIMARY KEY,
    version       BIGINT NOT NULL,
    last_position BIGINT NOT NULL
);

CREATE TABLE rm_organizations (
    id               TEXT   PRIMARY KEY,
    name             TEXT   NOT NULL,
    category         TEXT   NOT NULL,
    registered_by    TEXT   NOT NULL,
    registered_at    TEXT   NOT NULL,
    previous_name    TEXT,
    renamed_at       TEXT,
    created_position BIGINT NOT NULL,
    last_position    BIGINT NOT NULL
);

CREATE TABLE rm_guidelines (
    id               TEXT   PRIMARY KEY,
    lab_id           TEXT   NOT NULL,
    lab_name         TEXT   NOT NULL,
    lab_category     TEXT   NOT NULL,
    title            TEXT   NOT NULL,
    publisher        TEXT   NOT NULL,
    latest_version   BIGINT NOT NULL,
    published_at     TEXT   NOT NULL,
    updated_at       TEXT   NOT NULL,
    created_position BIGINT NOT NULL,
    last_position    BIGINT NOT NULL
);

CREATE TABLE rm_guideline_versions (
    guideline_id  TEXT   NOT NULL,
    version       BIGINT NOT NULL,
    summary       TEXT   NOT NULL,
    document_ref  TEXT   NOT NULL,
    changes       TEXT   NOT NULL,
    published_by  TEXT   NOT NULL,
    published_at  TEXT   NOT NULL,
    position      BIGINT NOT NULL,
    PRIMARY KEY (guideline_id, version)
);

CREATE TABLE rm_workshops (
    id                          TEXT   PRIMARY KEY,
    stream_id                   TEXT   NOT NULL,
    name                        TEXT   NOT NULL,
    theme                       TEXT   NOT NULL,
    programming_cycle           TEXT   NOT NULL,
    cycle_phase                 TEXT   NOT NULL,
    territory                   TEXT   NOT NULL,
    programme                   TEXT   NOT NULL,
    managing_authority_id       TEXT   NOT NULL,
    managing_authority_name     TEXT   NOT NULL,
    managing_authority_category TEXT   NOT NULL,
    stage                       TEXT   NOT NULL,
    identified_by               TEXT   NOT NULL,
    identified_at               TEXT   NOT NULL,
    stage_changed_at            TEXT,
    stage_changed_by            TEXT,
    created_position            BIGINT NOT NULL,
    last_position               BIGINT NOT NULL
);
CREATE INDEX rm_workshops_by_creation ON rm_workshops (created_position);

CREATE TABLE rm_guideline_adoptions (
    workshop_id  TEXT   NOT NULL,
    position     BIGINT NOT NULL,
    guideline_id TEXT   NOT NULL,
    version      BIGINT NOT NULL,
    adopted_by   TEXT   NOT NULL,
    adopted_at   TEXT   NOT NULL,
    PRIMARY KEY (workshop_id, position)
);

CREATE TABLE rm_guideline_feedback (
    id              TEXT   PRIMARY KEY,
    workshop_id     TEXT   NOT NULL,
    guideline_id    TEXT   NOT NULL,
    version         BIGINT NOT NULL,
    member_id       TEXT   NOT NULL,
    organization_id TEXT   NOT NULL,
    section         TEXT   NOT NULL,
    worked          TEXT   NOT NULL,
    did_not_work    TEXT   NOT NULL,
    suggestion      TEXT   NOT NULL,
    given_at        TEXT   NOT NULL,
    position        BIGINT NOT NULL
);
CREATE INDEX rm_guideline_feedback_by_guideline ON rm_guideline_feedback (guideline_id, position);

CREATE TABLE rm_members (
    id                    TEXT   PRIMARY KEY,
    workshop_id           TEXT   NOT NULL,
    person_id             TEXT   NOT NULL,
    role                  TEXT   NOT NULL,
    organization_id       TEXT   NOT NULL,
    organization_name     TEXT   NOT NULL,
    organization_category TEXT   NOT NULL,
    mandate_reference     TEXT   NOT NULL,
    admitted_by           TEXT,
    admitted_at           TEXT   NOT NULL,
    role_changed_at       TEXT,
    left_at               TEXT,
    left_reason           TEXT,
    left_by               TEXT,
    created_position      BIGINT NOT NULL,
    last_position         BIGINT NOT NULL
);
CREATE INDEX rm_members_by_workshop ON rm_members (workshop_id, created_position);
CREATE INDEX rm_members_by_person ON rm_members (person_id, created_position);

CREATE TABLE rm_sessions (
    id                     TEXT   PRIMARY KEY,
    workshop_id            TEXT   NOT NULL,
    title                  TEXT   NOT NULL,
    location               TEXT   NOT NULL,
    starts_at              TEXT   NOT NULL,
    convened_by            TEXT   NOT NULL,
    convened_at            TEXT   NOT NULL,
    notice_working_days    BIGINT NOT NULL,
    notice_shortfall       BIGINT NOT NULL,
    status                 TEXT   NOT NULL,
    opened_at              TEXT,
    opened_by              TEXT,
    closed_at              TEXT,
    closed_by              TEXT,
    current_agenda_item_id TEXT,
    created_position       BIGINT NOT NULL,
    last_position          BIGINT NOT NULL
);
CREATE INDEX rm_sessions_by_workshop ON rm_sessions (workshop_id, created_position);

CREATE TABLE rm_agenda_items (
    id               TEXT   PRIMARY KEY,
    session_id       TEXT   NOT NULL,
    workshop_id      TEXT   NOT NULL,
    title            TEXT   NOT NULL,
    ordinal          BIGINT NOT NULL,
    added_by         TEXT   NOT NULL,
    added_at         TEXT   NOT NULL,
    started_at       TEXT,
    started_by       TEXT,
    created_position BIGINT NOT NULL,
    last_position    BIGINT NOT NULL
);
CREATE INDEX rm_agenda_items_by_session ON rm_agenda_items (session_id, ordinal);

CREATE TABLE rm_documents (
    id                TEXT   PRIMARY KEY,
    session_id        TEXT   NOT NULL,
    workshop_id       TEXT   NOT NULL,
    title             TEXT   NOT NULL,
    document_ref      TEXT   NOT NULL,
    shared_by         TEXT   NOT NULL,
    shared_at         TEXT   NOT NULL,
    lead_working_days BIGINT NOT NULL,
    shortfall         BIGINT NOT NULL,
    position          BIGINT NOT NULL
);
CREATE INDEX rm_documents_by_session ON rm_documents (session_id, position);

CREATE TABLE rm_attendance (
    session_id      TEXT   NOT NULL,
    position        BIGINT NOT NULL,
    member_id       TEXT   NOT NULL,
    organization_id TEXT   NOT NULL,
    checked_in_by   TEXT   NOT NULL,
    checked_in_at   TEXT   NOT NULL,
    PRIMARY KEY (session_id, position)
);

CREATE TABLE rm_minutes (
    minutes_id       TEXT   NOT NULL,
    version          BIGINT NOT NULL,
    session_id       TEXT   NOT NULL,
    workshop_id      TEXT   NOT NULL,
    text             TEXT   NOT NULL,
    drafted_by       TEXT   NOT NULL,
    drafted_at       TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    approved_by      TEXT,
    approved_at      TEXT,
    published_by     TEXT,
    published_at     TEXT,
    created_position BIGINT NOT NULL,
    last_position    BIGINT NOT NULL,
    PRIMARY KEY (minutes_id, version)
);
CREATE INDEX rm_minutes_by_session ON rm_minutes (session_id, created_position);

CREATE TABLE rm_contributions (
    id                  TEXT   PRIMARY KEY,
    workshop_id         TEXT   NOT NULL,
    kind                TEXT   NOT NULL,
    member_id           TEXT   NOT NULL,
    organization_id     TEXT   NOT NULL,
    session_id          TEXT,
    agenda_item_id      TEXT,
    reply_to            TEXT,
    current_version     BIGINT NOT NULL,
    title               TEXT   NOT NULL,
    body                TEXT   NOT NULL,
    submitted_at        TEXT   NOT NULL,
    revised_at          TEXT,
    withdrawn_at        TEXT,
    withdrawn_reason    TEXT,
    withdrawn_by        TEXT,
    disposition         TEXT,
    disposition_reason  TEXT,
    disposition_version BIGINT,
    disposed_at         TEXT,
    created_position    BIGINT NOT NULL,
    last_position       BIGINT NOT NULL
);
CREATE INDEX rm_contributions_by_workshop ON rm_contributions (workshop_id, created_position);

CREATE TABLE rm_contribution_versions (
    contribution_id TEXT   NOT NULL,
    version         BIGINT NOT NULL,
    title           TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    written_by      TEXT   NOT NULL,
    written_at      TEXT   NOT NULL,
    position        BIGINT NOT NULL,
    PRIMARY KEY (contribution_id, version)
);

CREATE TABLE rm_dispositions (
    contribution_id      TEXT   NOT NULL,
    position             BIGINT NOT NULL,
    contribution_version BIGINT NOT NULL,
    disposition          TEXT   NOT NULL,
    reason               TEXT   NOT NULL,
    recorded_by          TEXT   NOT NULL,
    recorded_at          TEXT   NOT NULL,
    PRIMARY KEY (contribution_id, position)
);

CREATE TABLE rm_proposals (
    id                TEXT   PRIMARY KEY,
    workshop_id       TEXT   NOT NULL,
    kind              TEXT   NOT NULL,
    title             TEXT   NOT NULL,
    member_id         TEXT   NOT NULL,
    organization_id   TEXT   NOT NULL,
    cites             TEXT   NOT NULL,
    rule              TEXT   NOT NULL,
    rule_method       TEXT   NOT NULL,
    binding           BIGINT NOT NULL,
    status            TEXT   NOT NULL,
    current_version   BIGINT NOT NULL,
    text              TEXT   NOT NULL,
    drafted_at        TEXT   NOT NULL,
    amended_at        TEXT,
    opened_at         TEXT,
    opened_by         TEXT,
    opened_in_session TEXT,
    withdrawn_at      TEXT,
    withdrawn_reason  TEXT,
    withdrawn_by      TEXT,
    decision_id       TEXT,
    decided_at        TEXT,
    created_position  BIGINT NOT NULL,
    last_position     BIGINT NOT NULL
);
CREATE INDEX rm_proposals_by_workshop ON rm_proposals (workshop_id, created_position);

CREATE TABLE rm_proposal_versions (
    proposal_id TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    text        TEXT   NOT NULL,
    note        TEXT   NOT NULL,
    written_by  TEXT   NOT NULL,
    written_at  TEXT   NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, version)
);

CREATE TABLE rm_positions (
    proposal_id     TEXT   NOT NULL,
    position        BIGINT NOT NULL,
    organization_id TEXT   NOT NULL,
    member_id       TEXT   NOT NULL,
    stance          TEXT   NOT NULL,
    rationale       TEXT,
    text_version    BIGINT NOT NULL,
    stated_at       TEXT   NOT NULL,
    PRIMARY KEY (proposal_id, position)
);
CREATE INDEX rm_positions_by_organization ON rm_positions (proposal_id, organization_id, position);

CREATE TABLE rm_interests (
    proposal_id     TEXT   NOT NULL,
    position        BIGINT NOT NULL,
    member_id       TEXT   NOT NULL,
    organization_id TEXT   NOT NULL,
    description     TEXT   NOT NULL,
    declared_at     TEXT   NOT NULL,
    PRIMARY KEY (proposal_id, position)
);

CREATE TABLE rm_decisions (
    id                        TEXT   PRIMARY KEY,
    workshop_id               TEXT   NOT NULL,
    proposal_id               TEXT   NOT NULL,
    outcome                   TEXT   NOT NULL,
    rule                      TEXT   NOT NULL,
    rule_method               TEXT   NOT NULL,
    eligible                  BIGINT NOT NULL,
    expressed                 BIGINT NOT NULL,
    support                   BIGINT NOT NULL,
    support_with_reservations BIGINT NOT NULL,
    abstain                   BIGINT NOT NULL,
    oppose                    BIGINT NOT NULL,
    quorum_met                BIGINT NOT NULL,
    would_pass                BIGINT NOT NULL,
    reason                    TEXT,
    reason_code               TEXT,
    eligible_organizations    TEXT   NOT NULL,
    recused_organizations     TEXT   NOT NULL,
    positions                 TEXT   NOT NULL,
    text_version              BIGINT NOT NULL,
    session_id                TEXT,
    binding                   BIGINT NOT NULL,
    decided_by                TEXT   NOT NULL,
    decided_at                TEXT   NOT NULL,
    position                  BIGINT NOT NULL
);
CREATE INDEX rm_decisions_by_proposal ON rm_decisions (proposal_id);
CREATE INDEX rm_decisions_by_workshop ON rm_decisions (workshop_id, position);
