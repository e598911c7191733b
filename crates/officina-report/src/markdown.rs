//! The report in Markdown, in Italian or English: headings, tables with headers, numbers and
//! dates written as readers of the language write them.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use officina_domain::{
    ContributionKind, CyclePhase, Disposition, EccpCategory, Lang, Outcome, ProposalKind, ProposalStatus, Role, SessionStatus,
    Stage,
};

use crate::Report;

/// Picks the text of `lang`.
pub(crate) fn t(lang: Lang, en: &'static str, it: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::It => it,
    }
}

/// The label of a wire name, from an enum's `ALL` and `label`; the wire name itself when unknown.
macro_rules! label {
    ($ty:ty, $wire:expr, $lang:expr) => {
        <$ty>::ALL.iter().find(|value| value.as_str() == $wire).map_or($wire.to_string(), |value| value.label($lang).to_string())
    };
}

/// An ECCP category's label, from its wire name.
pub(crate) fn label_category(wire: &str, lang: Lang) -> String {
    label!(EccpCategory, wire, lang)
}

/// A disposition's label, from its wire name.
pub(crate) fn label_disposition(wire: &str, lang: Lang) -> String {
    label!(Disposition, wire, lang)
}

/// An outcome's label, from its wire name.
pub(crate) fn label_outcome(wire: &str, lang: Lang) -> String {
    label!(Outcome, wire, lang)
}

/// A date as readers of `lang` write it.
pub(crate) fn date_of(at: &DateTime<Utc>, lang: Lang) -> String {
    date(at, lang)
}

fn date(at: &DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::En => at.format("%Y-%m-%d").to_string(),
        Lang::It => at.format("%d/%m/%Y").to_string(),
    }
}

pub(crate) fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{value:.decimals$}");
    match lang {
        Lang::En => text,
        Lang::It => text.replace('.', ","),
    }
}

pub(crate) fn percent(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{} %", number(v * 100.0, 1, lang)))
}

fn plain(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_owned(), |v| number(v, 2, lang))
}

/// The decision rule's method in words, with the qualified majority's threshold.
fn method(method: &str, threshold: Option<&str>, lang: Lang) -> String {
    let name = match method {
        "CONSENSUS" => t(lang, "consensus", "consenso"),
        "UNANIMITY" => t(lang, "unanimity", "unanimità"),
        "MAJORITY" => t(lang, "majority", "maggioranza"),
        "QUALIFIED_MAJORITY" => t(lang, "qualified majority", "maggioranza qualificata"),
        other => return other.to_owned(),
    };
    match threshold {
        Some(threshold) => format!("{name} ({threshold})"),
        None => name.to_owned(),
    }
}

/// Table cells may not hold a pipe or a line break.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report as a Markdown document in `lang`.
pub fn markdown(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let w = &report.workshop;
    let _ = writeln!(out, "# {}: {}\n", t(lang, "Capitalization report", "Rapporto di capitalizzazione"), cell(&w.name));
    let _ = writeln!(out, "| | |\n| --- | --- |");
    let rows: [(&str, String); 8] = [
        (t(lang, "Theme", "Tema"), cell(&w.theme)),
        (
            t(lang, "Programming cycle", "Ciclo di programmazione"),
            format!("{} ({})", w.programming_cycle, label!(CyclePhase, &w.cycle_phase, lang)),
        ),
        (t(lang, "Territory", "Territorio"), format!("{} ({})", cell(&w.territory), w.regions.join(", "))),
        (t(lang, "Programme", "Programma"), cell(&w.programme)),
        (t(lang, "Managing Authority", "Autorità di Gestione"), cell(&w.managing_authority.name)),
        (t(lang, "Stage", "Fase"), label!(Stage, &w.stage, lang)),
        (t(lang, "Identified on", "Individuata il"), date(&w.identified_at, lang)),
        (t(lang, "Workshop id", "Identificativo"), format!("`{}`", w.id)),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {value} |");
    }

    let _ = writeln!(out, "\n## {}\n", t(lang, "The workshop's path", "Il percorso dell'officina"));
    let _ = writeln!(out, "| {} | {} |\n| --- | --- |", t(lang, "Date", "Data"), t(lang, "Stage", "Fase"));
    let _ = writeln!(out, "| {} | {} |", date(&w.identified_at, lang), label!(Stage, "IDENTIFIED", lang));
    for stage in &report.stages {
        let _ = writeln!(out, "| {} | {} |", date(&stage.at, lang), label!(Stage, &stage.to, lang));
    }

    let _ = writeln!(out, "\n## {}\n", t(lang, "Partnership (ECCP art. 3)", "Partenariato (CECP art. 3)"));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
        t(lang, "Organization", "Organizzazione"),
        t(lang, "Category", "Categoria"),
        t(lang, "Roles", "Ruoli"),
        t(lang, "Joined", "Ingresso"),
        t(lang, "Left", "Uscita")
    );
    for p in &report.partnership {
        let roles: Vec<String> = p.roles.iter().map(|r| label!(Role, r, lang)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&p.organization.name),
            label!(EccpCategory, &p.organization.category, lang),
            roles.join(", "),
            date(&p.joined_at, lang),
            p.left_at.as_ref().map_or_else(|| "—".to_owned(), |at| date(at, lang))
        );
    }

    let _ = writeln!(out, "\n## {}\n", t(lang, "Sessions", "Sessioni"));
    if report.sessions.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "No session was convened.", "Nessuna sessione convocata."));
    } else {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | ---: | --- | ---: |",
            t(lang, "Session", "Sessione"),
            t(lang, "Date", "Data"),
            t(lang, "Status", "Stato"),
            t(lang, "Notice (working days)", "Preavviso (giorni lavorativi)"),
            t(lang, "Early opening", "Apertura anticipata"),
            t(lang, "Organizations present", "Organizzazioni presenti")
        );
        for s in &report.sessions {
            let notice =
                if s.notice_shortfall { format!("{} ⚠", s.notice_working_days) } else { s.notice_working_days.to_string() };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {notice} | {} | {} |",
                cell(&s.title),
                date(&s.starts_at, lang),
                label!(SessionStatus, &s.status, lang),
                s.opening_urgency.as_deref().map_or_else(|| "—".to_owned(), cell),
                s.organizations_present
            );
        }
    }

    let c = &report.contributions;
    let _ = writeln!(out, "\n## {}\n", t(lang, "Knowledge produced", "Conoscenza prodotta"));
    let _ = writeln!(
        out,
        "{}: {}; {}: {}; {}: {}.\n",
        t(lang, "Contributions submitted", "Contributi presentati"),
        c.submitted,
        t(lang, "withdrawn", "ritirati"),
        c.withdrawn,
        t(lang, "awaiting a disposition", "in attesa di esito"),
        c.pending
    );
    let _ = writeln!(out, "| {} | {} |\n| --- | ---: |", t(lang, "Kind", "Tipo"), t(lang, "Contributions", "Contributi"));
    for (kind, n) in &c.by_kind {
        let _ = writeln!(out, "| {} | {n} |", label!(ContributionKind, kind, lang));
    }
    let _ = writeln!(
        out,
        "\n| {} | {} |\n| --- | ---: |",
        t(lang, "Disposition (ECCP art. 5(2)(c))", "Esito (CECP art. 5(2)(c))"),
        t(lang, "Contributions", "Contributi")
    );
    for (disposition, n) in &c.dispositions {
        let _ = writeln!(out, "| {} | {n} |", label!(Disposition, disposition, lang));
    }
    let _ = writeln!(
        out,
        "\n| {} | {} |\n| --- | ---: |",
        t(lang, "Proposals by kind", "Proposte per tipo"),
        t(lang, "Tabled", "Presentate")
    );
    for (kind, n) in &report.proposals.by_kind {
        let _ = writeln!(out, "| {} | {n} |", label!(ProposalKind, kind, lang));
    }
    let _ = writeln!(
        out,
        "\n| {} | {} |\n| --- | ---: |",
        t(lang, "Proposals by status", "Proposte per stato"),
        t(lang, "Proposals", "Proposte")
    );
    for (status, n) in &report.proposals.by_status {
        let _ = writeln!(out, "| {} | {n} |", label!(ProposalStatus, status, lang));
    }

    let _ = writeln!(out, "\n## {}\n", t(lang, "Decisions", "Decisioni"));
    if report.decisions.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "No decision was taken.", "Nessuna decisione presa."));
    }
    for d in &report.decisions {
        let _ = writeln!(out, "### {} ({})\n", cell(&d.proposal_title), label!(Outcome, &d.outcome, lang));
        let _ = writeln!(
            out,
            "{} {}; {} {} ({}); {} {}, {} {}: {} {}, {} {}, {} {}, {} {}. {} {}, {} {}.",
            t(lang, "Rule", "Regola"),
            method(&d.method, d.threshold.as_deref(), lang),
            t(lang, "quorum", "quorum"),
            d.quorum,
            if d.quorum_met { t(lang, "met", "raggiunto") } else { t(lang, "not met", "non raggiunto") },
            t(lang, "eligible", "aventi diritto"),
            d.eligible,
            t(lang, "expressed", "espressi"),
            d.expressed,
            t(lang, "support", "favorevoli"),
            d.support,
            t(lang, "with reservations", "con riserva"),
            d.support_with_reservations,
            t(lang, "abstain", "astenuti"),
            d.abstain,
            t(lang, "oppose", "contrari"),
            d.oppose,
            t(lang, "Text version", "Versione del testo"),
            d.text_version,
            t(lang, "decided on", "decisa il"),
            date(&d.decided_at, lang)
        );
        if !d.recused.is_empty() {
            let names: Vec<String> = d.recused.iter().map(|o| cell(&o.name)).collect();
            let _ = writeln!(
                out,
                "\n{}: {}.",
                t(lang, "Recused for a conflict of interest", "Astenuti per conflitto di interessi"),
                names.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "\n| {} | {} | {} | {} | {} |\n| --- | ---: | ---: | ---: | ---: |",
            t(lang, "Category", "Categoria"),
            t(lang, "Support", "Favorevoli"),
            t(lang, "With reservations", "Con riserva"),
            t(lang, "Abstain", "Astenuti"),
            t(lang, "Oppose", "Contrari")
        );
        for (category, p) in &d.positions_by_category {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                label!(EccpCategory, category, lang),
                p.support,
                p.support_with_reservations,
                p.abstain,
                p.oppose
            );
        }
        let _ = writeln!(
            out,
            "\n{}: `decision(id: \"{}\") {{ events }}` ({} {}).\n",
            t(lang, "Provenance", "Provenienza"),
            d.id,
            t(lang, "log position", "posizione nel registro"),
            d.position
        );
    }

    let g = &report.guidelines;
    let _ = writeln!(out, "\n## {}\n", t(lang, "Guidelines tested", "Linee guida sperimentate"));
    if g.adopted.is_empty() && g.feedback.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "No Guideline was adopted.", "Nessuna linea guida adottata."));
    }
    for a in &g.adopted {
        let _ = writeln!(
            out,
            "- {} v{} ({} {})",
            cell(&a.title),
            a.version,
            t(lang, "adopted on", "adottata il"),
            date(&a.adopted_at, lang)
        );
    }
    if !g.feedback.is_empty() {
        let _ = writeln!(
            out,
            "\n| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
            t(lang, "Section", "Sezione"),
            t(lang, "Organization", "Organizzazione"),
            t(lang, "What worked", "Cosa ha funzionato"),
            t(lang, "What did not", "Cosa non ha funzionato"),
            t(lang, "What to change", "Cosa cambiare")
        );
        for f in &g.feedback {
            let _ = writeln!(
                out,
                "| {} (v{}) | {} | {} | {} | {} |",
                cell(&f.section),
                f.version,
                cell(&f.organization.name),
                cell(&f.worked),
                cell(&f.did_not_work),
                cell(&f.suggestion)
            );
        }
    }

    let i = &report.indicators;
    let _ = writeln!(out, "\n## {}\n", t(lang, "Partnership indicators", "Indicatori di partenariato"));
    let _ = writeln!(out, "| {} | {} |\n| --- | ---: |", t(lang, "Indicator", "Indicatore"), t(lang, "Value", "Valore"));
    let rows: [(&str, String); 10] = [
        (t(lang, "Participation rate", "Tasso di partecipazione"), percent(i.participation_rate, lang)),
        (t(lang, "Decisions by consensus", "Decisioni senza contrari"), percent(i.consensus_share, lang)),
        (t(lang, "Contributions taken into account", "Contributi accolti"), percent(i.contributions_taken_into_account, lang)),
        (t(lang, "Contributions with a disposition", "Contributi con esito"), percent(i.disposition_coverage, lang)),
        (
            t(lang, "Days from contribution to disposition", "Giorni dal contributo all'esito"),
            plain(i.average_days_to_disposition, lang),
        ),
        (
            t(lang, "Average notice (working days)", "Preavviso medio (giorni lavorativi)"),
            plain(i.average_notice_working_days, lang),
        ),
        (t(lang, "Sessions with short notice", "Sessioni con preavviso insufficiente"), percent(i.notice_shortfall_share, lang)),
        (
            t(lang, "Organizations present per session", "Organizzazioni presenti per sessione"),
            plain(i.average_organizations_present, lang),
        ),
        (t(lang, "ECCP categories represented", "Categorie CECP rappresentate"), i.categories_represented.to_string()),
        (t(lang, "Balance of categories", "Equilibrio tra categorie"), plain(i.category_balance, lang)),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {value} |");
    }

    let s = &report.source;
    let _ = writeln!(out, "\n---\n");
    let _ = writeln!(
        out,
        "{} {} (hash `{}`). {}: `{}`. {} `{}`.",
        t(lang, "Built from the log up to position", "Costruito dal registro fino alla posizione"),
        s.position,
        s.hash,
        t(lang, "To build it again", "Per ricostruirlo"),
        s.command,
        t(lang, "Digest of its JSON form", "Impronta della forma JSON"),
        report.digest()
    );
    out
}
