//! Admission, role changes and leaving.

use crate::support::*;
use officina_domain::workshop::{Command, Event};
use officina_domain::*;

const NEW: MemberId = MemberId::from_u128(299);
const NEWCOMER: PersonId = PersonId::from_u128(199);

fn newcomer(role: Role) -> Command {
    Command::AdmitMember {
        member_id: NEW,
        person_id: NEWCOMER,
        role,
        organization: org(OrganizationId::from_u128(399), "Confcooperative Abruzzo", EccpCategory::EconomicSocialPartner),
        mandate_reference: "Delibera CdA 4/2026".to_owned(),
        person_registered: true,
    }
}

#[test]
fn the_lead_admits_a_member_with_role_organization_and_mandate() {
    given(&World::running()).when(LEAD, newcomer(Role::Partner)).then(vec![Event::MemberAdmitted {
        member_id: NEW,
        person_id: NEWCOMER,
        role: Role::Partner,
        organization: org(OrganizationId::from_u128(399), "Confcooperative Abruzzo", EccpCategory::EconomicSocialPartner),
        mandate_reference: "Delibera CdA 4/2026".to_owned(),
        admitted_by: Some(M_LEAD),
        administrator: None,
        at: t0(),
    }]);
}

#[test]
fn a_co_conductor_admits_partners_but_only_the_lead_grants_steering_roles() {
    assert_eq!(World::running().accepted(CO, newcomer(Role::Partner)), ["MemberAdmitted"]);
    given(&World::running())
        .when(CO, newcomer(Role::CoConductor))
        .then_error(DomainError::RoleNotGrantable { role: Role::CoConductor });
    given(&World::running()).when(CO, newcomer(Role::Lead)).then_error(DomainError::RoleNotGrantable { role: Role::Lead });
    assert_eq!(World::running().accepted(LEAD, newcomer(Role::CoConductor)), ["MemberAdmitted"]);
}

#[test]
fn a_member_needs_a_mandate_reference() {
    let mut command = newcomer(Role::Partner);
    if let Command::AdmitMember { mandate_reference, .. } = &mut command {
        *mandate_reference = " ".to_owned();
    }
    given(&World::running()).when(LEAD, command).then_error(DomainError::FieldRequired { field: "mandateReference" });
}

#[test]
fn a_person_is_a_current_member_only_once_and_member_ids_are_unique() {
    let mut w = World::running();
    w.run(LEAD, newcomer(Role::Partner));
    let mut same_person = newcomer(Role::Partner);
    if let Command::AdmitMember { member_id, .. } = &mut same_person {
        *member_id = MemberId::from_u128(298);
    }
    given(&w).when(LEAD, same_person).then_error(DomainError::PersonAlreadyMember);
    let mut same_id = newcomer(Role::Partner);
    if let Command::AdmitMember { person_id, .. } = &mut same_id {
        *person_id = PersonId::from_u128(198);
    }
    given(&w).when(LEAD, same_id).then_error(DomainError::AlreadyExists(Entity::Member));
}

#[test]
fn a_person_who_left_can_be_admitted_again_with_a_new_membership() {
    let mut w = World::running();
    w.run(PARTNER_B, Command::LeaveWorkshop { member_id: M_B, reason: String::new() });
    let again = admit(
        MemberId::from_u128(290),
        PARTNER_B,
        Role::Partner,
        org(ORG_B, "Legambiente Abruzzo", EccpCategory::EnvironmentalBody),
    );
    assert_eq!(w.accepted(LEAD, again), ["MemberAdmitted"]);
}

#[test]
fn partners_do_not_admit_members() {
    given(&World::running())
        .when(PARTNER_B, newcomer(Role::Partner))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::AdmitMember });
}

#[test]
fn the_lead_changes_a_members_role() {
    given(&World::running()).when(LEAD, Command::ChangeMemberRole { member_id: M_B, role: Role::CoConductor }).then(vec![
        Event::MemberRoleChanged {
            member_id: M_B,
            from: Role::Partner,
            to: Role::CoConductor,
            by: Some(M_LEAD),
            administrator: None,
            at: t0(),
        },
    ]);
}

#[test]
fn a_role_change_must_change_something_and_target_a_current_member() {
    let mut w = World::running();
    given(&w)
        .when(LEAD, Command::ChangeMemberRole { member_id: M_B, role: Role::Partner })
        .then_error(DomainError::RoleUnchanged);
    given(&w)
        .when(LEAD, Command::ChangeMemberRole { member_id: MemberId::from_u128(1), role: Role::Partner })
        .then_error(DomainError::NotFound(Entity::Member));
    w.run(PARTNER_B, Command::LeaveWorkshop { member_id: M_B, reason: String::new() });
    given(&w)
        .when(LEAD, Command::ChangeMemberRole { member_id: M_B, role: Role::Observer })
        .then_error(DomainError::MemberHasLeft);
}

#[test]
fn the_workshop_keeps_at_least_one_lead() {
    let mut w = World::running();
    given(&w).when(LEAD, Command::ChangeMemberRole { member_id: M_LEAD, role: Role::Partner }).then_error(DomainError::LastLead);
    given(&w).when(LEAD, Command::LeaveWorkshop { member_id: M_LEAD, reason: String::new() }).then_error(DomainError::LastLead);
    w.run(LEAD, Command::ChangeMemberRole { member_id: M_CO, role: Role::Lead });
    assert_eq!(w.accepted(LEAD, Command::LeaveWorkshop { member_id: M_LEAD, reason: "Fine mandato".to_owned() }), ["MemberLeft"]);
}

#[test]
fn any_member_may_leave_but_only_steering_members_end_others_memberships() {
    given(&World::running())
        .when(OBSERVER, Command::LeaveWorkshop { member_id: M_OBS, reason: "Fine osservazione".to_owned() })
        .then(vec![Event::MemberLeft {
            member_id: M_OBS,
            reason: "Fine osservazione".to_owned(),
            by: Some(M_OBS),
            administrator: None,
            at: t0(),
        }]);
    given(&World::running())
        .when(PARTNER_B, Command::LeaveWorkshop { member_id: M_C, reason: String::new() })
        .then_error(DomainError::NotOwnMembership);
    assert_eq!(World::running().accepted(CO, Command::LeaveWorkshop { member_id: M_C, reason: String::new() }), ["MemberLeft"]);
}

#[test]
fn a_member_who_left_can_no_longer_act() {
    let mut w = World::running();
    w.run(PARTNER_B, Command::LeaveWorkshop { member_id: M_B, reason: String::new() });
    given(&w).when(PARTNER_B, submit(CONTRIBUTION, "Dopo l'uscita")).then_error(DomainError::NotAMember);
    given(&w).when(LEAD, Command::LeaveWorkshop { member_id: M_B, reason: String::new() }).then_error(DomainError::MemberHasLeft);
}

#[test]
fn only_registered_people_are_admitted() {
    let mut unregistered = newcomer(Role::Partner);
    if let Command::AdmitMember { person_registered, .. } = &mut unregistered {
        *person_registered = false;
    }
    given(&World::running()).when(LEAD, unregistered).then_error(DomainError::PersonNotRegistered);
}

#[test]
fn a_platform_administrator_carries_out_administrative_acts_without_membership() {
    let w = World::running();
    // Admitting: recorded in the administrator's name, with no member as author.
    given(&w).when(ADMIN, newcomer(Role::Partner)).then(vec![Event::MemberAdmitted {
        member_id: NEW,
        person_id: NEWCOMER,
        role: Role::Partner,
        organization: org(OrganizationId::from_u128(399), "Confcooperative Abruzzo", EccpCategory::EconomicSocialPartner),
        mandate_reference: "Delibera CdA 4/2026".to_owned(),
        admitted_by: None,
        administrator: Some(ADMIN),
        at: t0(),
    }]);
    // Steering roles too, as the lead could; and ending a membership.
    assert_eq!(given(&w).when(ADMIN, newcomer(Role::CoConductor)).events().len(), 1);
    given(&w).when(ADMIN, Command::ChangeMemberRole { member_id: M_B, role: Role::CoConductor }).then(vec![
        Event::MemberRoleChanged {
            member_id: M_B,
            from: Role::Partner,
            to: Role::CoConductor,
            by: None,
            administrator: Some(ADMIN),
            at: t0(),
        },
    ]);
    let left = given(&w).when(ADMIN, Command::LeaveWorkshop { member_id: M_OBS, reason: "Fine incarico".to_owned() }).events();
    assert!(matches!(left[..], [Event::MemberLeft { by: None, administrator: Some(ADMIN), .. }]));
    // The lead's rules still hold: the last lead stays.
    given(&w)
        .when(ADMIN, Command::LeaveWorkshop { member_id: M_LEAD, reason: "No".to_owned() })
        .then_error(DomainError::LastLead);
}

#[test]
fn a_platform_administrator_takes_no_part_and_others_outside_are_not_members() {
    let w = World::running();
    given(&w)
        .when(ADMIN, position(ORG_MA, Stance::Support))
        .then_error(DomainError::AdministratorTakesNoPart { command: CommandKind::StatePosition });
    given(&w).when(OUTSIDER, newcomer(Role::Partner)).then_error(DomainError::NotAMember);
}
