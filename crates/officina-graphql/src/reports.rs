//! The capitalization report (`officina-report`) on GraphQL: the whole report as structured
//! JSON, its Markdown in the language asked for, its digest and source, and the partnership
//! indicators as typed fields.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use officina_domain::{Lang, WorkshopId};
use officina_report::{Indicators, Report};

use crate::error::ApiError;
use crate::ids::parse;
use crate::request::{lang, require_workshop_reader, services};
use crate::scalars::Position;

/// The language a report is written in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ReportLanguage {
    /// Italiano.
    It,
    /// English.
    En,
}

/// A workshop's capitalization report, built from the log alone at one position: anyone holding
/// the log builds the same report (`officina report --workshop ID --as-of N --format json`),
/// byte for byte, and its digest is the SHA-256 of that JSON.
pub struct CapitalizationReport {
    report: Report,
    lang: Lang,
}

/// A workshop's capitalization report, built from the log alone at one position: anyone holding
/// the log builds the same report (`officina report --workshop ID --as-of N --format json`),
/// byte for byte, and its digest is the SHA-256 of that JSON.
#[Object]
impl CapitalizationReport {
    /// The workshop.
    async fn workshop_id(&self) -> ID {
        ID(self.report.workshop.id.clone())
    }
    /// The log position it was built at.
    async fn position(&self) -> Position {
        Position(self.report.source.position)
    }
    /// The hash of the event at `position`, hex.
    async fn hash(&self) -> &str {
        &self.report.source.hash
    }
    /// The SHA-256 (hex) of the report's JSON form (`json`, pretty-printed as the command line
    /// writes it).
    async fn digest(&self) -> String {
        self.report.digest()
    }
    /// The whole report, structured: identity, partnership, sessions, contributions, proposals,
    /// decisions, Guidelines, indicators, source (`docs/indicators.md` defines the indicators).
    async fn json(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::to_value(&self.report).unwrap_or_default())
    }
    /// The report to read, in Markdown, in the language asked for.
    async fn markdown(&self) -> String {
        self.report.to_markdown(self.lang)
    }
    /// The partnership indicators.
    async fn indicators(&self) -> PartnershipIndicators {
        PartnershipIndicators(self.report.indicators.clone())
    }
}

/// The partnership indicators of a workshop, each defined with its formula in
/// `docs/indicators.md`; a ratio with nothing to measure is null.
pub struct PartnershipIndicators(Indicators);

/// The partnership indicators of a workshop, each defined with its formula in
/// `docs/indicators.md`; a ratio with nothing to measure is null.
#[Object]
impl PartnershipIndicators {
    /// Σ expressed ÷ Σ eligible over the decisions.
    async fn participation_rate(&self) -> Option<f64> {
        self.0.participation_rate
    }
    /// Decisions adopted with no opposition counted ÷ decisions.
    async fn consensus_share(&self) -> Option<f64> {
        self.0.consensus_share
    }
    /// Contributions accepted in whole or in part ÷ contributions with a disposition.
    async fn contributions_taken_into_account(&self) -> Option<f64> {
        self.0.contributions_taken_into_account
    }
    /// Contributions with a disposition ÷ contributions (withdrawn ones aside).
    async fn disposition_coverage(&self) -> Option<f64> {
        self.0.disposition_coverage
    }
    /// Mean days from a contribution's submission to its disposition.
    async fn average_days_to_disposition(&self) -> Option<f64> {
        self.0.average_days_to_disposition
    }
    /// Mean notice of the sessions, in Italian working days.
    async fn average_notice_working_days(&self) -> Option<f64> {
        self.0.average_notice_working_days
    }
    /// Sessions convened with less than 10 working days' notice ÷ sessions.
    async fn notice_shortfall_share(&self) -> Option<f64> {
        self.0.notice_shortfall_share
    }
    /// Mean organizations present at the sessions held.
    async fn average_organizations_present(&self) -> Option<f64> {
        self.0.average_organizations_present
    }
    /// ECCP categories the current partnership covers.
    async fn categories_represented(&self) -> i32 {
        crate::scalars::int(self.0.categories_represented)
    }
    /// Pielou's evenness of the partnership's organizations over its categories (1 = even).
    async fn category_balance(&self) -> Option<f64> {
        self.0.category_balance
    }
}

/// The Agency's overview across workshops: each workshop's figures and indicators side by side,
/// and each Guideline's feedback from every workshop that tested it, by section.
pub struct CapitalizationOverview {
    overview: officina_report::Overview,
    lang: Lang,
}

/// The Agency's overview across workshops: each workshop's figures and indicators side by side,
/// and each Guideline's feedback from every workshop that tested it, by section.
#[Object]
impl CapitalizationOverview {
    /// The log position it was built at.
    async fn position(&self) -> Position {
        Position(self.overview.source.position)
    }
    /// The SHA-256 (hex) of its JSON form.
    async fn digest(&self) -> String {
        self.overview.digest()
    }
    /// How many workshops it covers.
    async fn workshop_count(&self) -> i32 {
        crate::scalars::int(self.overview.workshops.len() as u32)
    }
    /// The whole overview, structured: `workshops` (each with its indicators and its report's
    /// digest) and `guidelines` (feedback by section).
    async fn json(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::to_value(&self.overview).unwrap_or_default())
    }
    /// The overview to read, in Markdown.
    async fn markdown(&self) -> String {
        self.overview.to_markdown(self.lang)
    }
}

/// The report queries.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// A workshop's capitalization report, for its members and auditors and platform
    /// administrators; `null` when the workshop did not exist at that position. Building it
    /// replays the workshop's history, so it counts as one of the request's past views.
    async fn capitalization_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workshop.")] workshop_id: ID,
        #[graphql(desc = "Build it as the log stood at this position (default: the head).")] as_of: Option<Position>,
        #[graphql(desc = "Build it as the log stood at this instant.")] as_of_time: Option<DateTime<Utc>>,
        #[graphql(name = "lang", desc = "The language of `markdown` (default: the request's `Accept-Language`).")]
        language: Option<ReportLanguage>,
    ) -> async_graphql::Result<Option<CapitalizationReport>> {
        let key: WorkshopId = parse(ctx, "workshopId", &workshop_id)?;
        require_workshop_reader(ctx, key).await?;
        let position = crate::past::position(ctx, as_of, as_of_time).await?;
        crate::past::spend(ctx)?;
        let services = services(ctx);
        let built = officina_report::report(&services.store, &services.past, key, position)
            .await
            .map_err(|error| ApiError::from(error).into_graphql(lang(ctx)))?;
        let lang = match language {
            Some(ReportLanguage::It) => Lang::It,
            Some(ReportLanguage::En) => Lang::En,
            None => lang(ctx),
        };
        Ok(built.map(|report| CapitalizationReport { report, lang }))
    }

    /// The Agency's overview across the workshops `filter` selects that the viewer may read
    /// (every one for a platform administrator), at the log's head. Signed-in viewers only.
    async fn capitalization_overview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which workshops; absent: all of them.")] filter: Option<crate::workshops::WorkshopFilter>,
        #[graphql(name = "lang", desc = "The language of `markdown` (default: the request's `Accept-Language`).")]
        language: Option<ReportLanguage>,
    ) -> async_graphql::Result<CapitalizationOverview> {
        let actor = crate::request::actor(ctx)?;
        let filter = crate::workshops::read_filter(ctx, filter)?;
        let readable = if actor.platform_admin { None } else { Some(crate::request::viewer_workshops(ctx).await?) };
        crate::past::spend(ctx)?;
        let services = services(ctx);
        let allowed = |workshop: WorkshopId| readable.as_ref().is_none_or(|set| set.contains(&workshop));
        let overview = officina_report::overview(&services.store, &services.past, &filter, allowed)
            .await
            .map_err(|error| ApiError::from(error).into_graphql(lang(ctx)))?;
        let lang = match language {
            Some(ReportLanguage::It) => Lang::It,
            Some(ReportLanguage::En) => Lang::En,
            None => lang(ctx),
        };
        Ok(CapitalizationOverview { overview, lang })
    }
}
