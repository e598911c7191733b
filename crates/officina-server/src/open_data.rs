//! Open data: the partnership's public record as CSV files, as Italian open-data portals take
//! them (UTF-8, a header row, comma-separated, RFC 4180 quoting). The columns are documented in
//! `docs/open-data.md`; a test checks that every file's header is documented there.
//!
//! No personal data: organizations are named, people never are (no person or member ids, no
//! names, no e-mail addresses).

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use officina_domain::{DecisionRule, Ratio, WorkshopId};
use officina_projections::{PageRequest, ProjectionError, ReadModels, WorkshopFilter};

/// Why the open data could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// The read models could not be read.
    #[error("reading the read models: {0}")]
    Read(#[from] ProjectionError),
    /// A file could not be written.
    #[error("writing {file}: {source}")]
    Write {
        /// The file.
        file: String,
        /// What failed.
        #[source]
        source: csv::Error,
    },
}

/// Every file written, with its header.
pub const FILES: &[(&str, &[&str])] = &[
    (
        "workshops.csv",
        &[
            "id",
            "name",
            "theme",
            "programming_cycle",
            "cycle_phase",
            "territory",
            "regions",
            "provinces",
            "programme",
            "managing_authority_id",
            "managing_authority",
            "stage",
            "identified_at",
        ],
    ),
    ("organizations.csv", &["id", "name", "category", "codice_fiscale", "registered_at"]),
    (
        "sessions.csv",
        &[
            "id",
            "workshop_id",
            "title",
            "location",
            "starts_at",
            "convened_at",
            "notice_working_days",
            "notice_shortfall",
            "postponements",
            "status",
            "opened_at",
            "closed_at",
        ],
    ),
    (
        "contributions.csv",
        &[
            "id",
            "workshop_id",
            "session_id",
            "organization_id",
            "kind",
            "title",
            "current_version",
            "submitted_at",
            "withdrawn_at",
            "disposition",
            "disposition_reason",
            "disposed_at",
        ],
    ),
    (
        "proposals.csv",
        &[
            "id",
            "workshop_id",
            "organization_id",
            "kind",
            "title",
            "status",
            "current_version",
            "rule_method",
            "quorum",
            "threshold",
            "lead_votes",
            "binding",
            "drafted_at",
            "decided_at",
        ],
    ),
    (
        "positions.csv",
        &["proposal_id", "organization_id", "stance", "rationale", "text_version", "stated_at", "current", "log_position"],
    ),
    (
        "decisions.csv",
        &[
            "id",
            "workshop_id",
            "proposal_id",
            "outcome",
            "rule_method",
            "quorum",
            "threshold",
            "eligible",
            "expressed",
            "support",
            "support_with_reservations",
            "abstain",
            "oppose",
            "quorum_met",
            "rejection_reason",
            "text_version",
            "binding",
            "closed_at_deadline",
            "decided_at",
            "log_position",
        ],
    ),
];

fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt_at(instant: Option<DateTime<Utc>>) -> String {
    instant.map(at).unwrap_or_default()
}

fn ratio(ratio: Ratio) -> String {
    format!("{}/{}", ratio.num, ratio.den)
}

fn rule(rule: &DecisionRule) -> [String; 3] {
    let threshold = match rule.method {
        officina_domain::RuleMethod::QualifiedMajority { threshold } => ratio(threshold),
        _ => String::new(),
    };
    [rule.method.as_str().to_owned(), ratio(rule.quorum), threshold]
}

/// One CSV file being written.
struct File {
    name: String,
    writer: csv::Writer<std::fs::File>,
    rows: usize,
}

impl File {
    fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Self, OpenDataError> {
        let fail = |source| OpenDataError::Write { file: name.to_owned(), source };
        let mut writer = csv::Writer::from_path(dir.join(name)).map_err(fail)?;
        writer.write_record(header).map_err(fail)?;
        Ok(File { name: name.to_owned(), writer, rows: 0 })
    }

    fn row<I: IntoIterator<Item = String>>(&mut self, fields: I) -> Result<(), OpenDataError> {
        self.rows += 1;
        self.writer.write_record(fields).map_err(|source| OpenDataError::Write { file: self.name.clone(), source })
    }

    fn finish(mut self) -> Result<(String, usize), OpenDataError> {
        self.writer.flush().map_err(|error| OpenDataError::Write { file: self.name.clone(), source: error.into() })?;
        Ok((self.name, self.rows))
    }
}

/// Writes every file of [`FILES`] into `dir` (which must exist); returns each file's name and
/// number of rows.
pub async fn write(read: &ReadModels, dir: &Path) -> Result<Vec<(String, usize)>, OpenDataError> {
    let mut files: Vec<File> = FILES.iter().map(|(name, header)| File::create(dir, name, header)).collect::<Result<_, _>>()?;
    let [workshops_csv, organizations_csv, sessions_csv, contributions_csv, proposals_csv, positions_csv, decisions_csv] =
        files.as_mut_slice()
    else {
        unreachable!("FILES lists seven files");
    };

    let mut workshops: Vec<WorkshopId> = Vec::new();
    let mut request = PageRequest { first: 100, after: None };
    loop {
        let page = read.workshops(&WorkshopFilter::default(), &request).await?;
        for (_, w) in &page.items {
            workshops.push(w.id);
            workshops_csv.row([
                w.id.to_string(),
                w.name.clone(),
                w.theme.clone(),
                w.programming_cycle.clone(),
                w.cycle_phase.as_str().to_owned(),
                w.territory.clone(),
                w.regions.join(";"),
                w.provinces.join(";"),
                w.programme.clone(),
                w.managing_authority.id.to_string(),
                w.managing_authority.name.clone(),
                w.stage.as_str().to_owned(),
                at(w.identified_at),
            ])?;
        }
        match page.items.last() {
            Some((cursor, _)) if page.has_next_page => request.after = Some(cursor.clone()),
            _ => break,
        }
    }

    let mut request = PageRequest { first: 100, after: None };
    loop {
        let page = read.organizations(&request).await?;
        for (_, o) in &page.items {
            organizations_csv.row([
                o.id.to_string(),
                o.name.clone(),
                o.category.as_str().to_owned(),
                o.codice_fiscale.clone().unwrap_or_default(),
                at(o.registered_at),
            ])?;
        }
        match page.items.last() {
            Some((cursor, _)) if page.has_next_page => request.after = Some(cursor.clone()),
            _ => break,
        }
    }

    for chunk in workshops.chunks(100) {
        let mut sessions = read.sessions_by_workshop(chunk).await?;
        let mut contributions = read.contributions_by_workshop(chunk).await?;
        let mut proposals = read.proposals_by_workshop(chunk, None).await?;
        let mut decisions = read.decisions_by_workshop(chunk).await?;
        for workshop in chunk {
            for s in sessions.remove(workshop).unwrap_or_default() {
                sessions_csv.row([
                    s.id.to_string(),
                    s.workshop_id.to_string(),
                    s.title,
                    s.location,
                    at(s.starts_at),
                    at(s.convened_at),
                    s.notice_working_days.to_string(),
                    s.notice_shortfall.to_string(),
                    s.postponements.to_string(),
                    s.status.as_str().to_owned(),
                    opt_at(s.opened_at),
                    opt_at(s.closed_at),
                ])?;
            }
            for c in contributions.remove(workshop).unwrap_or_default() {
                contributions_csv.row([
                    c.id.to_string(),
                    c.workshop_id.to_string(),
                    c.session_id.map(|id| id.to_string()).unwrap_or_default(),
                    c.organization_id.to_string(),
                    c.kind.as_str().to_owned(),
                    c.title,
                    c.current_version.to_string(),
                    at(c.submitted_at),
                    opt_at(c.withdrawn_at),
                    c.disposition.map(|d| d.as_str().to_owned()).unwrap_or_default(),
                    c.disposition_reason.unwrap_or_default(),
                    opt_at(c.disposed_at),
                ])?;
            }
            let rows = proposals.remove(workshop).unwrap_or_default();
            let ids: Vec<_> = rows.iter().map(|p| p.id).collect();
            let mut positions = read.positions_by_proposal(&ids).await?;
            for p in rows {
                let [method, quorum, threshold] = rule(&p.rule);
                proposals_csv.row([
                    p.id.to_string(),
                    p.workshop_id.to_string(),
                    p.organization_id.to_string(),
                    p.kind.as_str().to_owned(),
                    p.title.clone(),
                    p.status.as_str().to_owned(),
                    p.current_version.to_string(),
                    method,
                    quorum,
                    threshold,
                    p.rule.lead_votes.to_string(),
                    p.binding.to_string(),
                    at(p.drafted_at),
                    opt_at(p.decided_at),
                ])?;
                for s in positions.remove(&p.id).unwrap_or_default() {
                    positions_csv.row([
                        s.proposal_id.to_string(),
                        s.organization_id.to_string(),
                        s.stance.as_str().to_owned(),
                        s.rationale.unwrap_or_default(),
                        s.text_version.to_string(),
                        at(s.stated_at),
                        s.current.to_string(),
                        s.position.to_string(),
                    ])?;
                }
            }
            for d in decisions.remove(workshop).unwrap_or_default() {
                let [method, quorum, threshold] = rule(&d.rule);
                decisions_csv.row([
                    d.id.to_string(),
                    d.workshop_id.to_string(),
                    d.proposal_id.to_string(),
                    d.outcome.as_str().to_owned(),
                    method,
                    quorum,
                    threshold,
                    d.tally.eligible.to_string(),
                    d.tally.expressed.to_string(),
                    d.tally.support.to_string(),
                    d.tally.support_with_reservations.to_string(),
                    d.tally.abstain.to_string(),
                    d.tally.oppose.to_string(),
                    d.tally.quorum_met.to_string(),
                    d.reason.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default(),
                    d.text_version.to_string(),
                    d.binding.to_string(),
                    d.at_deadline.to_string(),
                    at(d.decided_at),
                    d.position.to_string(),
                ])?;
            }
        }
    }
    files.into_iter().map(File::finish).collect()
}
