//! What people read for the platform's enumerations, in English and Italian: stages, roles,
//! categories, stances, statuses, commands. Wire names (`ECONOMIC_SOCIAL_PARTNER`) are for
//! programs; messages and screens show these labels. Each table is an exhaustive match, so a new
//! value does not compile without its labels.

use crate::error::Lang;
use crate::roles::CommandKind;
use crate::values::*;

/// Declares `label(lang)` for an enum from one table of English and Italian labels.
macro_rules! labels {
    ($ty:ident { $($variant:ident => ($en:literal, $it:literal)),+ $(,)? }) => {
        impl $ty {
            /// What people read for this value, in `lang`.
            pub const fn label(&self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($ty::$variant, Lang::En) => $en, ($ty::$variant, Lang::It) => $it,)+
                }
            }
        }
    };
}

labels!(Stage {
    Identified => ("identified", "individuata"),
    CoConduction => ("co-conduction", "co-conduzione"),
    Capitalization => ("capitalization", "capitalizzazione"),
    Closed => ("closed", "chiusa"),
});

labels!(CyclePhase {
    Design => ("design", "programmazione"),
    Implementation => ("implementation", "attuazione"),
    Monitoring => ("monitoring", "sorveglianza"),
    Evaluation => ("evaluation", "valutazione"),
});

labels!(Role {
    Lead => ("lead (managing authority)", "capofila (Autorità di Gestione)"),
    CoConductor => ("co-conductor", "co-conduttore"),
    Facilitator => ("facilitator", "facilitatore"),
    Partner => ("partner", "partner"),
    Lab => ("research lab", "laboratorio di ricerca"),
    Observer => ("observer", "osservatore"),
    Auditor => ("auditor", "valutatore"),
});

labels!(EccpCategory {
    RegionalAuthority => ("regional authority", "autorità regionale"),
    LocalAuthority => ("local authority", "autorità locale"),
    UrbanAuthority => ("urban authority", "autorità urbana"),
    OtherPublicAuthority => ("other public authority", "altra autorità pubblica"),
    EconomicSocialPartner => ("economic and social partner", "parte economica e sociale"),
    EnvironmentalBody => ("environmental body", "organismo per l'ambiente"),
    SocialInclusionBody => ("social inclusion body", "organismo per l'inclusione sociale"),
    EqualityBody => ("equality and non-discrimination body", "organismo per la parità e la non discriminazione"),
    ResearchUniversity => ("research body or university", "ente di ricerca o università"),
    ManagingAuthority => ("managing authority", "Autorità di Gestione"),
    CohesionAgency => ("Agency for Territorial Cohesion", "Agenzia per la Coesione Territoriale"),
    Lab => ("research lab", "laboratorio di ricerca e intervento"),
});

labels!(ContributionKind {
    Knowledge => ("knowledge", "conoscenza"),
    Analysis => ("analysis", "analisi"),
    Experience => ("experience", "esperienza"),
    Evidence => ("evidence", "evidenza"),
    Document => ("document", "documento"),
    Comment => ("comment", "commento"),
    Question => ("question", "domanda"),
});

labels!(Disposition {
    Accepted => ("accepted", "accolto"),
    PartlyAccepted => ("partly accepted", "accolto in parte"),
    Noted => ("noted", "preso atto"),
    Rejected => ("not accepted", "non accolto"),
});

labels!(ProposalKind {
    InterpretiveThesis => ("interpretive thesis", "tesi interpretativa"),
    PriorityHypothesis => ("priority hypothesis", "ipotesi di priorità"),
    Decision => ("decision", "decisione"),
    UnifiedPosition => ("unified position", "posizione unitaria"),
});

labels!(ProposalStatus {
    Draft => ("draft", "in bozza"),
    Open => ("in deliberation", "in deliberazione"),
    Adopted => ("adopted", "adottata"),
    Rejected => ("rejected", "respinta"),
    Withdrawn => ("withdrawn", "ritirata"),
});

labels!(Stance {
    Support => ("in favour", "favorevole"),
    SupportWithReservations => ("in favour with reservations", "favorevole con riserve"),
    Abstain => ("abstaining", "astenuto"),
    Oppose => ("against", "contrario"),
});

labels!(Outcome {
    Adopted => ("adopted", "adottata"),
    Rejected => ("rejected", "respinta"),
});

labels!(SessionStatus {
    Convened => ("convened", "convocato"),
    Open => ("open", "aperto"),
    Closed => ("closed", "chiuso"),
    Cancelled => ("cancelled", "annullato"),
});

labels!(MinutesStatus {
    Draft => ("draft", "in bozza"),
    Approved => ("approved", "approvato"),
    Published => ("published", "pubblicato"),
});

impl RuleMethod {
    /// What people read for this method, in `lang`.
    pub const fn label(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RuleMethod::Consensus, Lang::En) => "consensus",
            (RuleMethod::Consensus, Lang::It) => "consenso",
            (RuleMethod::Unanimity, Lang::En) => "unanimity",
            (RuleMethod::Unanimity, Lang::It) => "unanimità",
            (RuleMethod::Majority, Lang::En) => "majority",
            (RuleMethod::Majority, Lang::It) => "maggioranza",
            (RuleMethod::QualifiedMajority { .. }, Lang::En) => "qualified majority",
            (RuleMethod::QualifiedMajority { .. }, Lang::It) => "maggioranza qualificata",
        }
    }
}

labels!(CommandKind {
    IdentifyWorkshop => ("identify a workshop", "individuare un'officina"),
    ChangeStage => ("move the workshop to its next stage", "far avanzare l'officina di fase"),
    AdoptGuideline => ("adopt a guideline", "adottare una linea guida"),
    GiveGuidelineFeedback => ("give feedback on the guideline", "dare un riscontro sulla linea guida"),
    AdmitMember => ("admit a member", "ammettere un partecipante"),
    ChangeMemberRole => ("change a member's role", "cambiare il ruolo di un partecipante"),
    LeaveWorkshop => ("end a membership", "terminare una partecipazione"),
    ConveneSession => ("convene a session", "convocare un incontro"),
    PostponeSession => ("postpone a session", "rinviare un incontro"),
    AddAgendaItem => ("add an agenda item", "aggiungere un punto all'ordine del giorno"),
    ShareDocument => ("share a document", "condividere un documento"),
    CancelSession => ("cancel a session", "annullare un incontro"),
    ReorderAgenda => ("reorder the agenda", "riordinare l'ordine del giorno"),
    WithdrawAgendaItem => ("withdraw an agenda item", "ritirare un punto all'ordine del giorno"),
    OpenSession => ("open a session", "aprire un incontro"),
    CheckInAttendance => ("check someone in", "registrare una presenza"),
    StartAgendaItem => ("take up an agenda item", "avviare un punto all'ordine del giorno"),
    CloseSession => ("close a session", "chiudere un incontro"),
    DraftMinutes => ("draft the minutes", "redigere il verbale"),
    ApproveMinutes => ("approve the minutes", "approvare il verbale"),
    PublishMinutes => ("publish the minutes", "pubblicare il verbale"),
    SubmitContribution => ("submit a contribution", "presentare un contributo"),
    ReviseContribution => ("revise a contribution", "rivedere un contributo"),
    WithdrawContribution => ("withdraw a contribution", "ritirare un contributo"),
    RecordDisposition => ("record how a contribution was taken into account", "registrare l'esito di un contributo"),
    DraftProposal => ("table a proposal", "presentare una proposta"),
    AmendProposal => ("amend a proposal", "emendare una proposta"),
    WithdrawProposal => ("withdraw a proposal", "ritirare una proposta"),
    OpenDeliberation => ("open a deliberation", "aprire una deliberazione"),
    StatePosition => ("state a position", "esprimere una posizione"),
    DeclareInterest => ("declare a conflict of interest", "dichiarare un conflitto di interessi"),
    RecordRecusal => ("record a recusal", "registrare un'astensione obbligatoria"),
    WithdrawRecusal => ("withdraw a recusal", "revocare un'astensione obbligatoria"),
    SetDeliberationDeadline => ("set a deliberation's deadline", "fissare la scadenza di una deliberazione"),
    CloseAtDeadline => ("close a deliberation at its deadline", "chiudere una deliberazione alla scadenza"),
    CloseDeliberation => ("close a deliberation", "chiudere una deliberazione"),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_is_written_and_no_italian_label_is_a_wire_name() {
        let mut labels: Vec<(&str, &str)> = Vec::new();
        labels.extend(Stage::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        labels.extend(Role::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        labels.extend(EccpCategory::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        labels.extend(ProposalStatus::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        labels.extend(SessionStatus::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        labels.extend(Stance::ALL.iter().map(|v| (v.as_str(), v.label(Lang::It))));
        for (wire, label) in labels {
            assert!(!label.is_empty() && label != wire && !label.contains('_'), "{wire}: {label}");
        }
        for kind in CommandKind::ALL {
            assert!(!kind.label(Lang::It).is_empty() && !kind.label(Lang::En).is_empty(), "{kind}");
        }
    }
}
