//! The labels people read for the values of the schema's enumerations, in English and Italian,
//! so that a frontend shows "favorevole con riserve" rather than `SUPPORT_WITH_RESERVATIONS`.
//! The labels are the domain's own (`officina_domain::labels`), the ones its messages use.

use async_graphql::{Context, Enum, Object, SimpleObject};
use officina_domain::{self as domain, Lang};

/// A language of the labels.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Language {
    /// English.
    En,
    /// Italian.
    It,
}

/// The labels of one enumeration of the schema.
#[derive(SimpleObject, Clone, Debug)]
pub struct EnumLabels {
    /// The enumeration's name in the schema (`Stance`).
    pub name: String,
    /// Each value with its label, in the schema's order.
    pub values: Vec<EnumValueLabel>,
}

/// One value of an enumeration and what people read for it.
#[derive(SimpleObject, Clone, Debug)]
pub struct EnumValueLabel {
    /// The value as the schema writes it (`SUPPORT_WITH_RESERVATIONS`).
    pub value: String,
    /// What people read for it (`favorevole con riserve`).
    pub label: String,
}

/// The labels of an enumeration whose domain type has `as_str`, `ALL` and `label`.
macro_rules! enum_labels {
    ($name:literal, $ty:ty, $lang:expr) => {
        EnumLabels {
            name: $name.to_owned(),
            values: <$ty>::ALL
                .iter()
                .map(|value| EnumValueLabel { value: value.as_str().to_owned(), label: value.label($lang).to_owned() })
                .collect(),
        }
    };
}

/// Every labelled enumeration, in `lang`.
pub fn all(lang: Lang) -> Vec<EnumLabels> {
    let mut outcome = enum_labels!("Outcome", domain::Outcome, lang);
    let pending = match lang {
        Lang::En => "pending",
        Lang::It => "in corso",
    };
    outcome.values.insert(0, EnumValueLabel { value: "PENDING".to_owned(), label: pending.to_owned() });
    let methods = [
        domain::RuleMethod::Consensus,
        domain::RuleMethod::Unanimity,
        domain::RuleMethod::Majority,
        domain::RuleMethod::QualifiedMajority { threshold: domain::Ratio::HALF },
    ];
    let method = EnumLabels {
        name: "DecisionMethod".to_owned(),
        values: methods
            .iter()
            .map(|method| EnumValueLabel { value: method.as_str().to_owned(), label: method.label(lang).to_owned() })
            .collect(),
    };
    vec![
        enum_labels!("WorkshopStage", domain::Stage, lang),
        enum_labels!("CyclePhase", domain::CyclePhase, lang),
        enum_labels!("Role", domain::Role, lang),
        enum_labels!("EccpCategory", domain::EccpCategory, lang),
        enum_labels!("ContributionKind", domain::ContributionKind, lang),
        enum_labels!("Disposition", domain::Disposition, lang),
        enum_labels!("ProposalKind", domain::ProposalKind, lang),
        enum_labels!("ProposalStatus", domain::ProposalStatus, lang),
        enum_labels!("Stance", domain::Stance, lang),
        outcome,
        enum_labels!("SessionStatus", domain::SessionStatus, lang),
        enum_labels!("MinutesStatus", domain::MinutesStatus, lang),
        method,
    ]
}

/// The labels query.
#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// What people read for the values of the schema's enumerations (stages, roles, categories,
    /// stances, statuses, methods...), public. A frontend shows these instead of the values.
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language; by default the request's (`Accept-Language: it` for Italian).")] lang: Option<Language>,
    ) -> Vec<EnumLabels> {
        let lang = match lang {
            Some(Language::En) => Lang::En,
            Some(Language::It) => Lang::It,
            None => crate::request::lang(ctx),
        };
        all(lang)
    }
}
