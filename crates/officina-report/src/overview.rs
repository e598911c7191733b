//! The Agency's view across workshops: each workshop's figures and indicators side by side, and
//! for each Guideline the feedback of every workshop that tested it, grouped by section, so that
//! the Labs see what to evolve. Built from each workshop's own report at the same log position.

use std::collections::BTreeMap;
use std::fmt::Write;

use officina_domain::{CyclePhase, Lang, Stage, WorkshopId};
use officina_projections::{PageRequest, ReadModels, TimeTravel, WorkshopFilter};
use officina_store::EventStore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::markdown::{number, percent, t};
use crate::{Indicators, ReportError, Source, report};

/// The most workshops one overview covers.
pub const MAX_OVERVIEW_WORKSHOPS: usize = 500;

/// One workshop in the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverviewRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The programming cycle.
    pub programming_cycle: String,
    /// The phase of the cycle, as a wire name.
    pub cycle_phase: String,
    /// The territory, in words.
    pub territory: String,
    /// ISTAT region codes.
    pub regions: Vec<String>,
    /// The stage reached, as a wire name.
    pub stage: String,
    /// Organizations in the partnership.
    pub organizations: u32,
    /// Sessions convened.
    pub sessions: u32,
    /// Contributions submitted.
    pub contributions: u32,
    /// Decisions taken.
    pub decisions: u32,
    /// Its indicators.
    pub indicators: Indicators,
    /// The digest of its own report at the overview's position.
    pub report_digest: String,
}

/// Feedback on one section of a Guideline, from one workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionFeedback {
    /// The workshop's name.
    pub workshop: String,
    /// The organization that gave it.
    pub organization: String,
    /// The Guideline version it is about.
    pub version: u32,
    /// What worked.
    pub worked: String,
    /// What did not.
    pub did_not_work: String,
    /// What to change.
    pub suggestion: String,
}

/// A Guideline, and what every workshop that tested it said, section by section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuidelineFeedback {
    /// The Guideline's id.
    pub guideline_id: String,
    /// Its title.
    pub title: String,
    /// The workshops that adopted a version of it.
    pub tested_by: Vec<String>,
    /// The feedback, by section (sorted), each in workshop order.
    pub sections: BTreeMap<String, Vec<SectionFeedback>>,
}

/// The overview across workshops.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// The workshops, in the order they were identified.
    pub workshops: Vec<OverviewRow>,
    /// The Guidelines tested, with their feedback.
    pub guidelines: Vec<GuidelineFeedback>,
    /// Where it comes from.
    pub source: Source,
}

impl Overview {
    /// The overview as JSON text, pretty-printed, fields in their fixed order.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The SHA-256 (hex) of [`Overview::to_json`].
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    /// The overview in Markdown, in `lang`.
    pub fn to_markdown(&self, lang: Lang) -> String {
        markdown(self, lang)
    }

    /// The overview as one self-contained HTML page (inline CSS and SVG charts), in `lang`.
    pub fn to_html(&self, lang: Lang) -> String {
        html(self, lang)
    }
}

/// Builds the overview of the workshops `filter` selects and `allowed` lets through (the
/// viewer's), at the log's head.
pub async fn overview(
    store: &EventStore,
    travel: &TimeTravel,
    filter: &WorkshopFilter,
    allowed: impl Fn(WorkshopId) -> bool,
) -> Result<Overview, ReportError> {
    let read = ReadModels::of_store(store);
    let head = store.head().await?.position;
    let mut ids: Vec<WorkshopId> = Vec::new();
    let mut request = PageRequest::first(100);
    loop {
        let page = read.workshops(filter, &request).await?;
        ids.extend(page.items.iter().map(|(_, row)| row.id).filter(|id| allowed(*id)));
        match (page.has_next_page, page.end_cursor()) {
            (true, Some(cursor)) if ids.len() < MAX_OVERVIEW_WORKSHOPS => request = PageRequest::after(100, cursor),
            _ => break,
        }
    }
    ids.truncate(MAX_OVERVIEW_WORKSHOPS);
    let mut workshops = Vec::new();
    let mut guidelines: BTreeMap<String, GuidelineFeedback> = BTreeMap::new();
    let mut source = None;
    for id in ids {
        let Some(built) = report(store, travel, id, Some(head)).await? else { continue };
        for adoption in &built.guidelines.adopted {
            let entry = guidelines.entry(adoption.guideline_id.clone()).or_insert_with(|| GuidelineFeedback {
                guideline_id: adoption.guideline_id.clone(),
                title: adoption.title.clone(),
                tested_by: Vec::new(),
                sections: BTreeMap::new(),
            });
            if !entry.tested_by.contains(&built.workshop.name) {
                entry.tested_by.push(built.workshop.name.clone());
            }
        }
        for feedback in &built.guidelines.feedback {
            let entry = guidelines.entry(feedback.guideline_id.clone()).or_insert_with(|| GuidelineFeedback {
                guideline_id: feedback.guideline_id.clone(),
                title: String::new(),
                tested_by: Vec::new(),
                sections: BTreeMap::new(),
            });
            entry.sections.entry(feedback.section.clone()).or_default().push(SectionFeedback {
                workshop: built.workshop.name.clone(),
                organization: feedback.organization.name.clone(),
                version: feedback.version,
                worked: feedback.worked.clone(),
                did_not_work: feedback.did_not_work.clone(),
                suggestion: feedback.suggestion.clone(),
            });
        }
        workshops.push(OverviewRow {
            id: built.workshop.id.clone(),
            name: built.workshop.name.clone(),
            programming_cycle: built.workshop.programming_cycle.clone(),
            cycle_phase: built.workshop.cycle_phase.clone(),
            territory: built.workshop.territory.clone(),
            regions: built.workshop.regions.clone(),
            stage: built.workshop.stage.clone(),
            organizations: built.partnership.len() as u32,
            sessions: built.sessions.len() as u32,
            contributions: built.contributions.submitted,
            decisions: built.decisions.len() as u32,
            indicators: built.indicators.clone(),
            report_digest: built.digest(),
        });
        source.get_or_insert(built.source);
    }
    let source = source.unwrap_or(Source { position: head, hash: hex::encode(store.head().await?.hash), command: String::new() });
    Ok(Overview {
        workshops,
        guidelines: guidelines.into_values().collect(),
        source: Source { command: format!("officina report --all --as-of {} --format json", source.position), ..source },
    })
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The overview in Markdown.
fn markdown(overview: &Overview, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", t(lang, "Workshops side by side", "Le officine a confronto"));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
        t(lang, "Workshop", "Officina"),
        t(lang, "Cycle", "Ciclo"),
        t(lang, "Territory", "Territorio"),
        t(lang, "Stage", "Fase"),
        t(lang, "Organizations", "Organizzazioni"),
        t(lang, "Decisions", "Decisioni"),
        t(lang, "Participation", "Partecipazione"),
        t(lang, "Contributions taken into account", "Contributi accolti"),
        t(lang, "Notice (working days)", "Preavviso (giorni lav.)")
    );
    for w in &overview.workshops {
        let phase = CyclePhase::ALL
            .iter()
            .find(|p| p.as_str() == w.cycle_phase)
            .map_or(w.cycle_phase.clone(), |p| p.label(lang).to_owned());
        let stage = Stage::ALL.iter().find(|s| s.as_str() == w.stage).map_or(w.stage.clone(), |s| s.label(lang).to_owned());
        let _ = writeln!(
            out,
            "| {} | {} ({phase}) | {} | {stage} | {} | {} | {} | {} | {} |",
            cell(&w.name),
            w.programming_cycle,
            cell(&w.territory),
            w.organizations,
            w.decisions,
            percent(w.indicators.participation_rate, lang),
            percent(w.indicators.contributions_taken_into_account, lang),
            w.indicators.average_notice_working_days.map_or_else(|| "—".to_owned(), |v| number(v, 1, lang))
        );
    }
    let _ = writeln!(out, "\n## {}\n", t(lang, "What the workshops ask the Labs", "Cosa chiedono le officine ai laboratori"));
    if overview.guidelines.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "No Guideline was tested.", "Nessuna linea guida sperimentata."));
    }
    for g in &overview.guidelines {
        let _ = writeln!(out, "### {}\n", cell(&g.title));
        let _ = writeln!(
            out,
            "{}: {}.\n",
            t(lang, "Tested by", "Sperimentata da"),
            g.tested_by.iter().map(|n| cell(n)).collect::<Vec<_>>().join(", ")
        );
        for (section, feedback) in &g.sections {
            let _ = writeln!(out, "#### {}\n", cell(section));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
                t(lang, "Workshop", "Officina"),
                t(lang, "Organization", "Organizzazione"),
                t(lang, "What worked", "Cosa ha funzionato"),
                t(lang, "What did not", "Cosa non ha funzionato"),
                t(lang, "What to change", "Cosa cambiare")
            );
            for f in feedback {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    cell(&f.workshop),
                    cell(&f.organization),
                    cell(&f.worked),
                    cell(&f.did_not_work),
                    cell(&f.suggestion)
                );
            }
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(
        out,
        "---\n\n{} {} (hash `{}`). {} `{}`.",
        t(lang, "Built from the log up to position", "Costruito dal registro fino alla posizione"),
        overview.source.position,
        overview.source.hash,
        t(lang, "Digest of its JSON form", "Impronta della forma JSON"),
        overview.digest()
    );
    out
}

/// The overview as a self-contained HTML page: the indicators compared across workshops as
/// charts (one bar per workshop), the workshops' table, and the Guidelines' feedback by section.
fn html(overview: &Overview, lang: Lang) -> String {
    use crate::html::{Bars, STYLE, bar_chart, esc};
    let mut out = String::new();
    let title = t(lang, "Workshops side by side", "Le officine a confronto");
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main><h1>{title}</h1>",
        if lang == Lang::It { "it" } else { "en" }
    );
    // Each chart: its id, its title, the indicator it compares, the factor it is shown with
    // (100 for shares, drawn against a full bar of 100 %), and its unit.
    type Chart<'a> = (&'a str, &'a str, fn(&Indicators) -> Option<f64>, f64, &'a str);
    let charts: [Chart<'_>; 3] = [
        ("chart-participation", t(lang, "Participation rate", "Tasso di partecipazione"), |i| i.participation_rate, 100.0, " %"),
        (
            "chart-taken-into-account",
            t(lang, "Contributions taken into account", "Contributi accolti"),
            |i| i.contributions_taken_into_account,
            100.0,
            " %",
        ),
        (
            "chart-notice",
            t(lang, "Average notice (working days)", "Preavviso medio (giorni lavorativi)"),
            |i| i.average_notice_working_days,
            1.0,
            "",
        ),
    ];
    for (id, name, value, scale, unit) in charts {
        let bars: Vec<(String, f64)> = overview
            .workshops
            .iter()
            .filter_map(|w| value(&w.indicators).map(|v| (w.name.clone(), (v * scale * 10.0).round() / 10.0)))
            .collect();
        let _ = write!(out, "<h2>{}</h2>", esc(name));
        if bars.is_empty() {
            let _ = write!(out, "<p>{}</p>", t(lang, "Nothing to measure yet.", "Ancora nulla da misurare."));
            continue;
        }
        let caption = bars
            .iter()
            .map(|(workshop, v)| {
                let value = if v.fract() == 0.0 { format!("{v:.0}") } else { number(*v, 1, lang) };
                format!("{workshop}: {value}{unit}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        let full = (scale == 100.0).then_some(100.0);
        bar_chart(&mut out, id, name, &format!("{name}: {caption}."), &bars, &Bars { colour: "#1f5fa8", unit, full, lang });
    }
    let _ = write!(
        out,
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th></tr></thead><tbody>",
        t(lang, "The workshops", "Le officine"),
        t(lang, "Workshop", "Officina"),
        t(lang, "Cycle", "Ciclo"),
        t(lang, "Territory", "Territorio"),
        t(lang, "Organizations", "Organizzazioni"),
        t(lang, "Contributions", "Contributi"),
        t(lang, "Decisions", "Decisioni")
    );
    for w in &overview.workshops {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&w.name),
            esc(&w.programming_cycle),
            esc(&w.territory),
            w.organizations,
            w.contributions,
            w.decisions
        );
    }
    let _ = write!(
        out,
        "</tbody></table><h2>{}</h2>",
        t(lang, "What the workshops ask the Labs", "Cosa chiedono le officine ai laboratori")
    );
    for g in &overview.guidelines {
        let _ = write!(out, "<h3>{}</h3>", esc(&g.title));
        for (section, feedback) in &g.sections {
            let _ = write!(
                out,
                "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
                esc(section),
                t(lang, "Workshop", "Officina"),
                t(lang, "What did not work", "Cosa non ha funzionato"),
                t(lang, "What to change", "Cosa cambiare")
            );
            for f in feedback {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.workshop),
                    esc(&f.did_not_work),
                    esc(&f.suggestion)
                );
            }
            let _ = write!(out, "</tbody></table>");
        }
    }
    let _ = writeln!(
        out,
        "<footer>{} {} (hash <code>{}</code>). {} <code>{}</code>.</footer></main></body></html>",
        t(lang, "Built from the log up to position", "Costruito dal registro fino alla posizione"),
        overview.source.position,
        esc(&overview.source.hash),
        t(lang, "Digest of its JSON form", "Impronta della forma JSON"),
        overview.digest()
    );
    out
}
