//! The people of the demo history, so that a newcomer gets ready-to-paste tokens.

use officina_demo::{run_in_memory, script};
use officina_domain::{PersonId, Role};

/// One demo person to print a token for.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// What they are, for the start-up banner.
    pub label: String,
    /// The person the token speaks for.
    pub person_id: PersonId,
    /// Whether the token makes them a platform administrator.
    pub admin: bool,
}

/// A platform administrator, and a lead, a partner and an auditor of one demo workshop.
pub fn people() -> Vec<DemoPerson> {
    let steps = script();
    let mut people = Vec::new();
    if let Some(admin) = steps.iter().find(|step| step.actor.platform_admin) {
        people.push(DemoPerson { label: "platform administrator".into(), person_id: admin.actor.person_id, admin: true });
    }
    let Ok(run) = run_in_memory(&steps) else { return people };
    for state in run.workshops.values() {
        let Some(workshop) = &state.workshop else { continue };
        let find = |role: Role| workshop.current_members().find(|member| member.role == role);
        if let (Some(lead), Some(partner), Some(auditor)) = (find(Role::Lead), find(Role::Partner), find(Role::Auditor)) {
            for (member, what) in [(lead, "LEAD"), (partner, "PARTNER"), (auditor, "AUDITOR")] {
                people.push(DemoPerson {
                    label: format!("{what} of \"{}\" for {}", workshop.name, member.organization.name),
                    person_id: member.person_id,
                    admin: false,
                });
            }
            break;
        }
    }
    people
}
