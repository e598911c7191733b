//! The Italian messages of the domain's errors.

use super::{DomainError, Lang::It};

impl DomainError {
    pub(super) fn message_it(&self) -> String {
        use DomainError::*;
        match self {
            FieldRequired { field } => format!("Il campo «{field}» è obbligatorio e non può essere vuoto."),
            InvalidRatio { field } => format!(
                "Il valore di «{field}» deve essere una frazione tra 0 e 1 (la soglia di una maggioranza qualificata deve superare la metà)."
            ),
            InvalidProgrammingCycle => {
                "Il ciclo di programmazione va indicato con due anni, ad esempio 2021-2027.".to_owned()
            }
            RationaleRequired { stance } => {
                format!("Una posizione «{}» va motivata: scrivi la motivazione.", stance.label(It))
            }
            SessionStartsBeforeConvening => {
                "L'incontro deve essere fissato dopo il momento della convocazione.".to_owned()
            }
            AgendaItemNotInSession => {
                "Il punto all'ordine del giorno non appartiene all'incontro indicato.".to_owned()
            }
            TextTooLong { field, max } => format!("Il campo «{field}» può contenere al massimo {max} caratteri."),
            InvalidCharacters { field } => {
                format!("Il campo «{field}» contiene caratteri di controllo, che non sono ammessi.")
            }
            TooManyItems { field, max } => format!("Il campo «{field}» può contenere al massimo {max} elementi."),
            DateOutOfRange { field, first_year, last_year, years_ahead } => format!(
                "La data in «{field}» deve cadere tra gli anni {first_year} e {last_year}, e al massimo {years_ahead} anni da oggi."
            ),
            NotAMember => "Non sei un partecipante di questa officina.".to_owned(),
            RoleNotAllowed { role, command } => {
                format!("Il tuo ruolo ({}) non consente di {}.", role.label(It), command.label(It))
            }
            PlatformAdminRequired => {
                "Solo un amministratore della piattaforma può eseguire questa operazione.".to_owned()
            }
            NotEligibleToVote { role } => format!(
                "Il tuo ruolo ({}) non dà voce alla tua organizzazione: esprimono posizioni solo il capofila, i co-conduttori e i partner.", role.label(It)
            ),
            NotOwnOrganization => {
                "Puoi esprimere una posizione solo per conto dell'organizzazione che rappresenti.".to_owned()
            }
            NotContributionAuthor => {
                "Solo l'autore di un contributo può modificarlo o ritirarlo.".to_owned()
            }
            NotOwnMembership => "Puoi terminare solo la tua partecipazione.".to_owned(),
            RoleNotGrantable { role } => format!("Solo il capofila può attribuire il ruolo di {}.", role.label(It)),
            NotGuidelineEditor => {
                "Solo chi ha pubblicato questa linea guida può pubblicarne nuove versioni.".to_owned()
            }
            NotFound(entity) => {
                let (noun, feminine) = entity.it();
                let ending = if feminine { "a" } else { "o" };
                format!("{} indicat{ending} non esiste.", capitalize(noun))
            }
            AlreadyExists(entity) => {
                let (noun, _) = entity.it();
                format!("{} con questo identificativo esiste già.", capitalize(noun))
            }
            PersonAlreadyMember => "Questa persona partecipa già all'officina.".to_owned(),
            AlreadyCheckedIn => "La presenza di questo partecipante è già registrata.".to_owned(),
            InterestAlreadyDeclared => {
                "Hai già dichiarato un interesse su questa proposta.".to_owned()
            }
            GuidelineAlreadyAdopted => {
                "L'officina ha già adottato questa versione della linea guida.".to_owned()
            }
            StageTransitionNotAllowed { from, to } => format!(
                "Un'officina non può passare dalla fase «{}» alla fase «{}»: le fasi sono individuazione, co-conduzione, capitalizzazione e chiusura, una alla volta e senza tornare indietro.", from.label(It), to.label(It)
            ),
            WorkshopClosed => {
                "L'officina è chiusa: la sua storia si può consultare ma non modificare.".to_owned()
            }
            NotInCoConduction { stage } => format!(
                "Si delibera solo mentre l'officina è in co-conduzione (ora è nella fase «{}»).", stage.label(It)
            ),
            DeliberationStillOpen => {
                "Chiudi tutte le deliberazioni aperte prima di terminare la co-conduzione.".to_owned()
            }
            LastLead => "L'officina deve mantenere almeno un capofila.".to_owned(),
            RoleUnchanged => "Il partecipante ha già questo ruolo.".to_owned(),
            MemberHasLeft => "Questo partecipante ha già lasciato l'officina.".to_owned(),
            SessionNotOpen { status } => format!("L'incontro non è aperto (è {}).", status.label(It)),
            SessionAlreadyOpen => "L'incontro è già aperto.".to_owned(),
            SessionClosed => "L'incontro è chiuso.".to_owned(),
            SessionNotClosed => "Il verbale si redige dopo la chiusura dell'incontro.".to_owned(),
            AgendaItemAlreadyStarted => {
                "Questo punto all'ordine del giorno è già stato trattato.".to_owned()
            }
            MinutesNotApproved => {
                "Il verbale deve essere approvato prima di essere pubblicato.".to_owned()
            }
            MinutesAlreadyApproved => {
                "L'ultima versione del verbale è già stata approvata.".to_owned()
            }
            MinutesAlreadyPublished => {
                "Il verbale è stato pubblicato e non può più essere modificato.".to_owned()
            }
            MinutesVersionNotLatest { latest } => format!(
                "Si può approvare solo l'ultima versione del verbale (versione {latest})."
            ),
            ContributionWithdrawn => "Questo contributo è stato ritirato.".to_owned(),
            ProposalNotDraft { status } => format!(
                "La deliberazione si può aprire solo su una proposta in bozza (questa è {}).", status.label(It)
            ),
            DeliberationNotOpen { status } => format!(
                "La deliberazione su questa proposta non è aperta (la proposta è {}).", status.label(It)
            ),
            ProposalNotActive { status } => {
                format!("La proposta è {}: non può più essere modificata.", status.label(It))
            }
            Recused => "La tua organizzazione ha dichiarato un conflitto di interessi su questa proposta e non può esprimere una posizione.".to_owned(),
            GuidelineVersionNotAdopted => "L'officina non ha adottato questa versione della linea guida, quindi non può darne un riscontro.".to_owned(),
            NotALab { category } => format!(
                "Le linee guida sono pubblicate dai laboratori di ricerca; questa organizzazione è della categoria «{}».", category.label(It)
            ),
            NotAManagingAuthority { category } => format!(
                "Un'officina è guidata da un'Autorità di Gestione; questa organizzazione è della categoria «{}».", category.label(It)
            ),
            NameUnchanged => "L'organizzazione ha già questo nome.".to_owned(),
            UnknownTerritoryCode { field } => format!("Il campo «{field}» contiene un codice che non è un codice ISTAT: le regioni vanno da 01 a 20, le province da 001 a 111."),
            OrganizationAlreadyRegistered { existing } => format!("Questa organizzazione è già registrata, con id {existing}: stesso nome e categoria, o stesso codice fiscale."),
            InvalidTaxCode => "Il codice fiscale deve avere 11 cifre con la cifra di controllo corretta, oppure 16 lettere e cifre.".to_owned(),
            DeadlineNotReached => "Questa deliberazione non ha una scadenza, o la scadenza non è ancora arrivata.".to_owned(),
            DeadlinePassed => "La scadenza di questa deliberazione è passata: viene chiusa e non può più cambiare.".to_owned(),
            DeadlineInPast => "La scadenza di una deliberazione deve essere nel futuro.".to_owned(),
            LeadDoesNotVote => "Secondo la regola di questa proposta l'Autorità di Gestione non partecipa al voto.".to_owned(),
            NotRecused => "L'organizzazione non è esclusa da questa deliberazione.".to_owned(),
            OrganizationAlreadyRecused => "L'organizzazione è già esclusa da questa deliberazione per conflitto di interessi.".to_owned(),
            InterestAfterPosition => "La tua organizzazione ha già espresso una posizione su questa proposta: il conflitto di interessi si dichiara prima; chiedi all'Autorità di Gestione di registrare l'astensione obbligatoria.".to_owned(),
            AgendaOrderMismatch => "Il nuovo ordine deve elencare ogni punto dell'ordine del giorno una sola volta.".to_owned(),
            AgendaItemWithdrawn => "Questo punto è stato ritirato dall'ordine del giorno.".to_owned(),
            WorkshopHasPendingWork { pending_dispositions, open_deliberations } => format!("L'officina non può ancora chiudersi: {pending_dispositions} contributi attendono un esito e {open_deliberations} deliberazioni sono ancora aperte."),
            SessionNotStarted => "L'incontro è fissato per più tardi: solo l'Autorità di Gestione che guida l'officina può aprirlo in anticipo, motivando l'urgenza.".to_owned(),
            SessionCancelled => "L'incontro è stato annullato.".to_owned(),
            PersonAlreadyRegistered { existing } => format!("Una persona con questo indirizzo e-mail è già registrata, con id {existing}."),
            InvalidEmail => "L'indirizzo e-mail deve avere la forma nome@dominio.it: una sola «@», nessuno spazio, al massimo 254 caratteri.".to_owned(),
            PersonNotRegistered => "Questa persona non è nell'anagrafica: registrala prima di ammetterla all'officina.".to_owned(),
            PersonErased => "I dati personali di questa persona sono stati cancellati.".to_owned(),
            RegistrationNotAllowed => "Solo un amministratore della piattaforma, o chi guida l'officina indicata, può registrare persone.".to_owned(),
            InvalidContentHash => "L'impronta del contenuto deve essere lo SHA-256 del documento: 64 cifre esadecimali.".to_owned(),
            AdministratorTakesNoPart { command } => format!("Un amministratore della piattaforma compie gli atti amministrativi di un'officina ma non vi partecipa: per {} occorre esserne partecipante.", command.label(It)),
            NotOwnAttendance => "Puoi registrare solo la tua presenza; quella degli altri la registrano l'Autorità di Gestione, i co-conduttori o i facilitatori.".to_owned(),
        }
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
