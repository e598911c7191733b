//! The report as one self-contained HTML page: inline CSS and SVG, nothing fetched from the
//! network; semantic headings and tables with headers; each chart an `<svg role="img">` with a
//! title, a description and a caption that says in words what it shows; a print stylesheet
//! for A4. The figures are the report's own, rendered by [`crate::markdown`]'s labels.

use std::fmt::Write;

use officina_domain::{Disposition, Lang};

use crate::Report;
use crate::markdown::{label_category, label_disposition, t};

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const STYLE: &str = "
:root { --ink: #1d2330; --muted: #5b6474; --rule: #d8dde6; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: var(--ink);
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid var(--rule); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.subtitle { color: var(--muted); margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f9; font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 1.5rem; } figcaption { color: var(--muted); font-size: .88rem; margin-top: .3rem; }
svg { max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
.indicators { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .6rem; }
.indicator { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .75rem; }
.indicator b { display: block; font-size: 1.35rem; } .indicator span { color: var(--muted); font-size: .85rem; }
footer { margin-top: 2.5rem; border-top: 1px solid var(--rule); padding-top: .75rem; color: var(--muted); font-size: .82rem; word-break: break-all; }
code { font-size: .85em; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; } figure, table, .indicator { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
";

/// The colours of the four stances, and of the dispositions, with enough contrast on white.
const STANCE_COLOURS: [&str; 4] = ["#1b7f3b", "#7fb446", "#9aa3b2", "#c0392b"];

/// How a bar chart is drawn: its bars' colour, the unit after each value, the value of a full
/// bar (`None`: the largest value; shares use 100, so that 50 % looks like half), and the
/// language its numbers are written in.
pub(crate) struct Bars<'a> {
    pub(crate) colour: &'a str,
    pub(crate) unit: &'a str,
    pub(crate) full: Option<f64>,
    pub(crate) lang: Lang,
}

/// A horizontal bar chart: one labelled bar per value, `class="bar"` on each bar.
pub(crate) fn bar_chart(out: &mut String, id: &str, title: &str, caption: &str, bars: &[(String, f64)], style: &Bars<'_>) {
    let Bars { colour, unit, full, lang } = *style;
    let height = 28 * bars.len() as u32 + 20;
    let max = full.unwrap_or_else(|| bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max)).max(1.0);
    let _ = write!(
        out,
        "<figure><svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 640 {height}\" \
         width=\"640\" height=\"{height}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(caption)
    );
    for (index, (label, value)) in bars.iter().enumerate() {
        let y = 10 + 28 * index as u32;
        let width = (value / max * 380.0).round();
        let _ = write!(
            out,
            "<text x=\"196\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"204\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{}{unit}</text>",
            y + 13,
            esc(&truncate(label, 30)),
            204.0 + width + 6.0,
            y + 13,
            trim_number(*value, lang)
        );
    }
    let _ = write!(out, "</svg><figcaption>{}</figcaption></figure>", esc(caption));
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars { text.to_owned() } else { text.chars().take(chars - 1).collect::<String>() + "…" }
}

fn trim_number(value: f64, lang: Lang) -> String {
    if value.fract() == 0.0 { format!("{value:.0}") } else { number(value, 1, lang) }
}

fn percent(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{} %", number(v * 100.0, 1, lang)))
}

fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{value:.decimals$}");
    if lang == Lang::It { text.replace('.', ",") } else { text }
}

/// The report as a self-contained HTML page in `lang`.
pub fn html(report: &Report, lang: Lang) -> String {
    let w = &report.workshop;
    let mut out = String::new();
    let title = format!("{}: {}", t(lang, "Capitalization report", "Rapporto di capitalizzazione"), w.name);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>",
        if lang == Lang::It { "it" } else { "en" },
        esc(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"subtitle\">{} · {} · {} {}</p>",
        esc(&title),
        esc(&w.theme),
        esc(&w.territory),
        t(lang, "cycle", "ciclo"),
        esc(&w.programming_cycle)
    );

    // The indicators first: what a reader looks for.
    let i = &report.indicators;
    let _ = write!(out, "<h2>{}</h2><div class=\"indicators\">", t(lang, "Partnership indicators", "Indicatori di partenariato"));
    let cards: [(&str, String); 6] = [
        (t(lang, "participation rate", "tasso di partecipazione"), percent(i.participation_rate, lang)),
        (t(lang, "decisions without opposition", "decisioni senza contrari"), percent(i.consensus_share, lang)),
        (t(lang, "contributions taken into account", "contributi accolti"), percent(i.contributions_taken_into_account, lang)),
        (
            t(lang, "average notice, working days", "preavviso medio, giorni lavorativi"),
            i.average_notice_working_days.map_or_else(|| "—".to_owned(), |v| number(v, 1, lang)),
        ),
        (t(lang, "ECCP categories represented", "categorie CECP rappresentate"), i.categories_represented.to_string()),
        (
            t(lang, "balance of categories (1 = even)", "equilibrio tra categorie (1 = pari)"),
            i.category_balance.map_or_else(|| "—".to_owned(), |v| number(v, 2, lang)),
        ),
    ];
    for (name, value) in cards {
        let _ = write!(out, "<div class=\"indicator\"><b>{}</b><span>{}</span></div>", esc(&value), esc(name));
    }
    let _ = write!(
        out,
        "</div><p>{} <code>docs/indicators.md</code>.</p>",
        t(lang, "Every indicator's formula is in", "La formula di ogni indicatore è in")
    );

    let _ = write!(out, "<h2>{}</h2>", t(lang, "The workshop's path", "Il percorso dell'officina"));
    timeline_chart(&mut out, report, lang);

    let _ = write!(out, "<h2>{}</h2>", t(lang, "Partnership (ECCP art. 3)", "Partenariato (CECP art. 3)"));
    let _ = write!(
        out,
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        t(lang, "Organization", "Organizzazione"),
        t(lang, "Category", "Categoria")
    );
    for p in &report.partnership {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&p.organization.name),
            esc(&label_category(&p.organization.category, lang))
        );
    }
    let _ = write!(out, "</tbody></table>");

    let _ = write!(out, "<h2>{}</h2>", t(lang, "Sessions", "Sessioni"));
    let attendance: Vec<(String, f64)> =
        report.sessions.iter().map(|s| (s.title.clone(), f64::from(s.organizations_present))).collect();
    if attendance.is_empty() {
        let _ = write!(out, "<p>{}</p>", t(lang, "No session was convened.", "Nessuna sessione convocata."));
    } else {
        let caption =
            attendance.iter().map(|(title, n)| format!("{title}: {}", trim_number(*n, lang))).collect::<Vec<_>>().join("; ");
        bar_chart(
            &mut out,
            "chart-attendance",
            t(lang, "Organizations present per session", "Organizzazioni presenti per sessione"),
            &format!("{}: {caption}.", t(lang, "Organizations present per session", "Organizzazioni presenti per sessione")),
            &attendance,
            &Bars { colour: "#1f5fa8", unit: "", full: None, lang },
        );
    }

    let c = &report.contributions;
    let _ = write!(out, "<h2>{}</h2>", t(lang, "Knowledge produced", "Conoscenza prodotta"));
    let mut dispositions: Vec<(String, f64)> = Disposition::ALL
        .iter()
        .map(|d| (label_disposition(d.as_str(), lang), f64::from(c.dispositions.get(d.as_str()).copied().unwrap_or(0))))
        .collect();
    dispositions.push((t(lang, "pending", "in attesa").to_owned(), f64::from(c.pending)));
    let caption =
        dispositions.iter().map(|(label, n)| format!("{label}: {}", trim_number(*n, lang))).collect::<Vec<_>>().join("; ");
    bar_chart(
        &mut out,
        "chart-dispositions",
        t(lang, "What became of the contributions (ECCP art. 5(2)(c))", "Esito dei contributi (CECP art. 5(2)(c))"),
        &format!("{} {}: {caption}.", c.submitted - c.withdrawn, t(lang, "contributions", "contributi")),
        &dispositions,
        &Bars { colour: "#6a4fa3", unit: "", full: None, lang },
    );

    let _ = write!(out, "<h2>{}</h2>", t(lang, "Decisions", "Decisioni"));
    if report.decisions.is_empty() {
        let _ = write!(out, "<p>{}</p>", t(lang, "No decision was taken.", "Nessuna decisione presa."));
    } else {
        decisions_chart(&mut out, report, lang);
        for (index, decision) in report.decisions.iter().enumerate() {
            categories_chart(&mut out, index, decision, lang);
        }
        let _ = write!(
            out,
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"n\">{}</th>\
             <th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th></tr></thead><tbody>",
            t(lang, "Proposal", "Proposta"),
            t(lang, "Outcome", "Esito"),
            t(lang, "Eligible", "Aventi diritto"),
            t(lang, "Support", "Favorevoli"),
            t(lang, "Abstain", "Astenuti"),
            t(lang, "Oppose", "Contrari")
        );
        for d in &report.decisions {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&d.proposal_title),
                esc(&crate::markdown::label_outcome(&d.outcome, lang)),
                d.eligible,
                d.support + d.support_with_reservations,
                d.abstain,
                d.oppose
            );
        }
        let _ = write!(out, "</tbody></table>");
    }

    let g = &report.guidelines;
    let _ = write!(out, "<h2>{}</h2>", t(lang, "Guidelines tested", "Linee guida sperimentate"));
    if g.adopted.is_empty() {
        let _ = write!(out, "<p>{}</p>", t(lang, "No Guideline was adopted.", "Nessuna linea guida adottata."));
    } else {
        let _ = write!(out, "<ul>");
        for a in &g.adopted {
            let _ = write!(out, "<li>{} v{}</li>", esc(&a.title), a.version);
        }
        let _ = write!(out, "</ul>");
    }
    if !g.feedback.is_empty() {
        let _ = write!(
            out,
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th></tr></thead><tbody>",
            t(lang, "Section", "Sezione"),
            t(lang, "Organization", "Organizzazione"),
            t(lang, "What worked", "Cosa ha funzionato"),
            t(lang, "What did not", "Cosa non ha funzionato"),
            t(lang, "What to change", "Cosa cambiare")
        );
        for f in &g.feedback {
            let _ = write!(
                out,
                "<tr><td>{} (v{})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.section),
                f.version,
                esc(&f.organization.name),
                esc(&f.worked),
                esc(&f.did_not_work),
                esc(&f.suggestion)
            );
        }
        let _ = write!(out, "</tbody></table>");
    }

    let s = &report.source;
    let _ = writeln!(
        out,
        "<footer>{} {} (hash <code>{}</code>). {}: <code>{}</code>. {} <code>{}</code>.</footer></main></body></html>",
        t(lang, "Built from the log up to position", "Costruito dal registro fino alla posizione"),
        s.position,
        esc(&s.hash),
        t(lang, "To build it again", "Per ricostruirlo"),
        esc(&s.command),
        t(lang, "Digest of its JSON form", "Impronta della forma JSON"),
        report.digest()
    );
    out
}

/// Stacked bars, one per decision: its counted positions by stance.
fn decisions_chart(out: &mut String, report: &Report, lang: Lang) {
    let id = "chart-decisions";
    let height = 30 * report.decisions.len() as u32 + 20;
    let max = report.decisions.iter().map(|d| d.eligible.max(1)).max().unwrap_or(1) as f64;
    let stances = [
        t(lang, "support", "favorevoli"),
        t(lang, "with reservations", "con riserva"),
        t(lang, "abstain", "astenuti"),
        t(lang, "oppose", "contrari"),
    ];
    let caption = report
        .decisions
        .iter()
        .map(|d| {
            format!(
                "{}: {} {}, {} {}, {} {}, {} {} ({} {})",
                d.proposal_title,
                d.support,
                stances[0],
                d.support_with_reservations,
                stances[1],
                d.abstain,
                stances[2],
                d.oppose,
                stances[3],
                d.eligible,
                t(lang, "eligible", "aventi diritto")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let title = t(lang, "Positions counted in each decision", "Posizioni contate in ogni decisione");
    let _ = write!(
        out,
        "<figure><svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 640 {height}\" \
         width=\"640\" height=\"{height}\"><title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(&caption)
    );
    for (index, d) in report.decisions.iter().enumerate() {
        let y = 10 + 30 * index as u32;
        let _ =
            write!(out, "<text x=\"196\" y=\"{}\" text-anchor=\"end\">{}</text>", y + 14, esc(&truncate(&d.proposal_title, 30)));
        let mut x = 204.0;
        for (count, colour) in [d.support, d.support_with_reservations, d.abstain, d.oppose].into_iter().zip(STANCE_COLOURS) {
            if count == 0 {
                continue;
            }
            let width = (f64::from(count) / max * 400.0).round();
            let _ = write!(out, "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"20\" fill=\"{colour}\"/>");
            x += width;
        }
    }
    let _ = write!(out, "</svg><p class=\"legend\">");
    for (name, colour) in stances.iter().zip(STANCE_COLOURS) {
        let _ = write!(out, "<span><i style=\"background:{colour}\"></i>{}</span>", esc(name));
    }
    let _ = write!(out, "</p><figcaption>{}.</figcaption></figure>", esc(&caption));
}

/// The workshop's path on a time axis: its identification and changes of stage, its sessions,
/// its decisions; each a `class="point"` marker.
fn timeline_chart(out: &mut String, report: &Report, lang: Lang) {
    use chrono::{DateTime, Utc};
    let id = "chart-timeline";
    let w = &report.workshop;
    let stage = |wire: &str| {
        officina_domain::Stage::ALL.iter().find(|s| s.as_str() == wire).map_or(wire.to_owned(), |s| s.label(lang).to_owned())
    };
    // Each row of the chart: its name, and its dated, labelled points.
    type Row<'a> = (&'a str, Vec<(DateTime<Utc>, String)>);
    let mut rows: Vec<Row<'_>> = vec![
        (
            t(lang, "stages", "fasi"),
            std::iter::once((w.identified_at, stage("IDENTIFIED")))
                .chain(report.stages.iter().map(|s| (s.at, stage(&s.to))))
                .collect(),
        ),
        (t(lang, "sessions", "sessioni"), report.sessions.iter().map(|s| (s.starts_at, s.title.clone())).collect()),
        (t(lang, "decisions", "decisioni"), report.decisions.iter().map(|d| (d.decided_at, d.proposal_title.clone())).collect()),
    ];
    rows.retain(|(_, points)| !points.is_empty());
    let instants: Vec<DateTime<Utc>> = rows.iter().flat_map(|(_, points)| points.iter().map(|(at, _)| *at)).collect();
    let (Some(first), Some(last)) = (instants.iter().min().copied(), instants.iter().max().copied()) else {
        return;
    };
    let span = (last - first).num_seconds().max(1) as f64;
    let x = |at: DateTime<Utc>| 130.0 + ((at - first).num_seconds() as f64 / span * 480.0).round();
    let height = 40 * rows.len() as u32 + 40;
    let caption = rows
        .iter()
        .map(|(name, points)| {
            let items: Vec<String> =
                points.iter().map(|(at, label)| format!("{} {}", label, crate::markdown::date_of(at, lang))).collect();
            format!("{name}: {}", items.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let _ = write!(
        out,
        "<figure><svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 640 {height}\" \
         width=\"640\" height=\"{height}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        t(lang, "The workshop over time", "L'officina nel tempo"),
        esc(&caption)
    );
    let colours = ["#1f5fa8", "#6a4fa3", "#1b7f3b"];
    for (index, (name, points)) in rows.iter().enumerate() {
        let y = 30 + 40 * index as u32;
        let _ = write!(
            out,
            "<text x=\"120\" y=\"{}\" text-anchor=\"end\">{}</text><line x1=\"130\" y1=\"{y}\" x2=\"610\" y2=\"{y}\" stroke=\"#d8dde6\"/>",
            y + 4,
            esc(name)
        );
        for (at, label) in points {
            let _ = write!(
                out,
                "<circle class=\"point\" cx=\"{}\" cy=\"{y}\" r=\"6\" fill=\"{}\"><title>{} {}</title></circle>",
                x(*at),
                colours[index % colours.len()],
                esc(label),
                crate::markdown::date_of(at, lang)
            );
        }
    }
    let _ = write!(
        out,
        "<text x=\"130\" y=\"{}\">{}</text><text x=\"610\" y=\"{}\" text-anchor=\"end\">{}</text>",
        height - 8,
        crate::markdown::date_of(&first, lang),
        height - 8,
        crate::markdown::date_of(&last, lang)
    );
    let _ = write!(out, "</svg><figcaption>{}.</figcaption></figure>", esc(&caption));
}

/// One decision's counted positions by ECCP category: a stacked bar per category, one segment
/// per stance.
fn categories_chart(out: &mut String, index: usize, decision: &crate::build::DecisionEntry, lang: Lang) {
    let id = format!("chart-decision-{}", index + 1);
    let rows: Vec<(String, [u32; 4])> = decision
        .positions_by_category
        .iter()
        .map(|(category, p)| (label_category(category, lang), [p.support, p.support_with_reservations, p.abstain, p.oppose]))
        .collect();
    if rows.is_empty() {
        return;
    }
    let stances = [
        t(lang, "support", "favorevoli"),
        t(lang, "with reservations", "con riserva"),
        t(lang, "abstain", "astenuti"),
        t(lang, "oppose", "contrari"),
    ];
    let max = rows.iter().map(|(_, counts)| counts.iter().sum::<u32>()).max().unwrap_or(1).max(1);
    let height = 26 * rows.len() as u32 + 16;
    let title = format!("{}: {}", t(lang, "Positions by category", "Posizioni per categoria"), decision.proposal_title);
    let caption = rows
        .iter()
        .map(|(category, counts)| {
            let parts: Vec<String> =
                counts.iter().zip(stances).filter(|(n, _)| **n > 0).map(|(n, stance)| format!("{n} {stance}")).collect();
            format!("{category}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let _ = write!(
        out,
        "<figure><svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 640 {height}\" \
         width=\"640\" height=\"{height}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(&title),
        esc(&caption)
    );
    for (row, (category, counts)) in rows.iter().enumerate() {
        let y = 8 + 26 * row as u32;
        let _ = write!(out, "<text x=\"236\" y=\"{}\" text-anchor=\"end\">{}</text>", y + 13, esc(&truncate(category, 36)));
        let mut x = 244.0;
        for (count, colour) in counts.iter().zip(STANCE_COLOURS) {
            if *count == 0 {
                continue;
            }
            let width = (f64::from(*count) / f64::from(max) * 360.0).round();
            let _ = write!(out, "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"{colour}\"/>");
            x += width;
        }
    }
    let _ = write!(out, "</svg><figcaption>{}.</figcaption></figure>", esc(&format!("{title}. {caption}")));
}
