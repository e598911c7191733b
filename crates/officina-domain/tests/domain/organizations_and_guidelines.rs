//! The organization and guideline aggregates.

use crate::support::*;
use officina_domain::guideline;
use officina_domain::organization;
use officina_domain::*;

fn run_org(
    state: &organization::State,
    person: PersonId,
    command: organization::Command,
) -> Result<Vec<organization::Event>, DomainError> {
    organization::decide(state, command, &ctx(person, t0()))
}

fn registered() -> organization::State {
    let events = run_org(&organization::State::default(), ADMIN, register()).expect("registers");
    events.iter().fold(organization::State::default(), organization::evolve)
}

fn register() -> organization::Command {
    organization::Command::RegisterOrganization {
        organization_id: ORG_B,
        name: "Legambiente Abruzzo".to_owned(),
        category: EccpCategory::EnvironmentalBody,
        codice_fiscale: None,
        already_registered: None,
    }
}

#[test]
fn a_platform_admin_registers_an_organization_with_its_eccp_category() {
    assert_eq!(
        run_org(&organization::State::default(), ADMIN, register()),
        Ok(vec![organization::Event::OrganizationRegistered {
            organization_id: ORG_B,
            name: "Legambiente Abruzzo".to_owned(),
            category: EccpCategory::EnvironmentalBody,
            codice_fiscale: None,
            registered_by: ADMIN,
            at: t0(),
        }])
    );
    assert_eq!(run_org(&organization::State::default(), LEAD, register()), Err(DomainError::PlatformAdminRequired));
    assert_eq!(run_org(&registered(), ADMIN, register()), Err(DomainError::AlreadyExists(Entity::Organization)));
    let nameless = organization::Command::RegisterOrganization {
        organization_id: ORG_B,
        name: " ".to_owned(),
        category: EccpCategory::EnvironmentalBody,
        codice_fiscale: None,
        already_registered: None,
    };
    assert_eq!(run_org(&organization::State::default(), ADMIN, nameless), Err(DomainError::FieldRequired { field: "name" }));
}

#[test]
fn an_organization_is_renamed_and_keeps_its_former_names() {
    let rename = |name: &str| organization::Command::RenameOrganization { name: name.to_owned(), already_registered: None };
    let events = run_org(&registered(), ADMIN, rename("Legambiente Abruzzo APS")).expect("renames");
    assert_eq!(
        events,
        vec![organization::Event::OrganizationRenamed {
            organization_id: ORG_B,
            name: "Legambiente Abruzzo APS".to_owned(),
            previous_name: "Legambiente Abruzzo".to_owned(),
            renamed_by: ADMIN,
            at: t0(),
        }]
    );
    let state = events.iter().fold(registered(), organization::evolve);
    let org = state.organization.expect("exists");
    assert_eq!(org.name, "Legambiente Abruzzo APS");
    assert_eq!(org.previous_names, vec!["Legambiente Abruzzo".to_owned()]);
    assert_eq!(run_org(&registered(), ADMIN, rename("Legambiente Abruzzo")), Err(DomainError::NameUnchanged));
    assert_eq!(run_org(&organization::State::default(), ADMIN, rename("x")), Err(DomainError::NotFound(Entity::Organization)));
    assert_eq!(run_org(&registered(), LEAD, rename("x")), Err(DomainError::PlatformAdminRequired));
}

fn lab() -> OrganizationRef {
    org(ORG_LAB, "Laboratorio Partenariato", EccpCategory::Lab)
}

fn publish(lab: OrganizationRef) -> guideline::Command {
    guideline::Command::PublishGuideline {
        guideline_id: GUIDELINE,
        lab,
        title: "Linee guida per la co-conduzione".to_owned(),
        summary: "Metodo e strumenti".to_owned(),
        document_ref: "https://example.org/lg-v1.pdf".to_owned(),
    }
}

fn next_version() -> guideline::Command {
    guideline::Command::PublishGuidelineVersion {
        summary: "Seconda versione".to_owned(),
        document_ref: "https://example.org/lg-v2.pdf".to_owned(),
        changes: "Preavviso e verbali".to_owned(),
    }
}

fn published() -> guideline::State {
    let events = guideline::decide(&guideline::State::default(), publish(lab()), &ctx(LAB, t0())).expect("publishes");
    events.iter().fold(guideline::State::default(), guideline::evolve)
}

#[test]
fn a_lab_publishes_a_guideline_as_version_1() {
    let events = guideline::decide(&guideline::State::default(), publish(lab()), &ctx(LAB, t0())).expect("publishes");
    assert_eq!(
        events,
        vec![guideline::Event::GuidelinePublished {
            guideline_id: GUIDELINE,
            lab: lab(),
            title: "Linee guida per la co-conduzione".to_owned(),
            version: 1,
            summary: "Metodo e strumenti".to_owned(),
            document_ref: "https://example.org/lg-v1.pdf".to_owned(),
            published_by: LAB,
            at: t0(),
        }]
    );
    let not_a_lab = org(ORG_B, "Legambiente", EccpCategory::EnvironmentalBody);
    assert_eq!(
        guideline::decide(&guideline::State::default(), publish(not_a_lab), &ctx(LAB, t0())),
        Err(DomainError::NotALab { category: EccpCategory::EnvironmentalBody })
    );
    assert_eq!(
        guideline::decide(&published(), publish(lab()), &ctx(LAB, t0())),
        Err(DomainError::AlreadyExists(Entity::Guideline))
    );
}

#[test]
fn new_guideline_versions_come_from_the_publisher_and_number_themselves() {
    let events = guideline::decide(&published(), next_version(), &ctx(LAB, day(30))).expect("publishes v2");
    assert!(matches!(events[0], guideline::Event::GuidelineVersionPublished { version: 2, .. }));
    let state = events.iter().fold(published(), guideline::evolve);
    let g = state.guideline.expect("exists");
    assert_eq!(g.latest_version(), 2);
    assert!(g.has_version(1) && g.has_version(2));
    assert_eq!(guideline::decide(&published(), next_version(), &ctx(PARTNER_B, t0())), Err(DomainError::NotGuidelineEditor));
    let by_admin = guideline::decide(&published(), next_version(), &ctx(ADMIN, t0())).expect("an administrator publishes");
    assert_eq!(by_admin.iter().map(|e| e.event_type()).collect::<Vec<_>>(), ["GuidelineVersionPublished"]);
    assert_eq!(
        guideline::decide(&guideline::State::default(), next_version(), &ctx(LAB, t0())),
        Err(DomainError::NotFound(Entity::Guideline))
    );
    let no_changes = guideline::Command::PublishGuidelineVersion {
        summary: "s".to_owned(),
        document_ref: "r".to_owned(),
        changes: String::new(),
    };
    assert_eq!(
        guideline::decide(&published(), no_changes, &ctx(LAB, t0())),
        Err(DomainError::FieldRequired { field: "changes" })
    );
}

#[test]
fn an_organization_is_registered_once_and_its_tax_code_is_checked() {
    let with = |codice_fiscale: Option<&str>, already_registered| organization::Command::RegisterOrganization {
        organization_id: ORG_B,
        name: "Legambiente Abruzzo".to_owned(),
        category: EccpCategory::EnvironmentalBody,
        codice_fiscale: codice_fiscale.map(str::to_owned),
        already_registered,
    };
    let fresh = organization::State::default();
    let events = run_org(&fresh, ADMIN, with(Some(" 80188230587"), None)).expect("registers");
    assert!(
        matches!(&events[0], organization::Event::OrganizationRegistered { codice_fiscale: Some(code), .. } if code == "80188230587")
    );
    assert_eq!(run_org(&fresh, ADMIN, with(Some("80188230588"), None)), Err(DomainError::InvalidTaxCode));
    assert_eq!(DomainError::InvalidTaxCode.category(), ErrorCategory::Validation { field: "codiceFiscale" });
    let existing = OrganizationId::from_u128(0x777);
    let refused = run_org(&fresh, ADMIN, with(None, Some(existing))).expect_err("a duplicate");
    assert_eq!(
        (refused.clone(), refused.category()),
        (DomainError::OrganizationAlreadyRegistered { existing }, ErrorCategory::Conflict)
    );
    assert!(refused.message(Lang::En).contains(&existing.to_string()), "the refusal names the existing one");
    // A retry of the same registration finds itself, which is no duplicate.
    let retried = run_org(&fresh, ADMIN, with(None, Some(ORG_B))).expect("a retry is no duplicate");
    assert_eq!(retried.iter().map(|e| e.event_type()).collect::<Vec<_>>(), ["OrganizationRegistered"]);
    let rename = organization::Command::RenameOrganization { name: "Altro nome".to_owned(), already_registered: Some(existing) };
    assert_eq!(run_org(&registered(), ADMIN, rename), Err(DomainError::OrganizationAlreadyRegistered { existing }));
}
