//! What the read models cost an append: the same appends with and without the [`Projector`]
//! installed, in the same run, on SQLite and PostgreSQL.
//!
//! Run: `cargo bench -p officina-projections --bench projection [-- --backend sqlite|postgres|both]`
//! PostgreSQL comes from `OFFICINA_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created and dropped.
//!
//! Each task owns one workshop stream and appends one event per append (a mutation's shape): a
//! mix of admitted members, submitted contributions (two rows) and stated positions (the hot
//! path of a live session). Rounds alternate raw and projected appends so that machine noise
//! hits both; the median of each is reported, with the ratio.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use officina_domain::workshop::Event;
use officina_domain::*;
use officina_store::{EventStore, ExpectedVersion, NewEvent, StoreOptions};
use sqlx::Connection;
use uuid::Uuid;

const ROUNDS: usize = 3;
const TASKS: usize = 64;
const EVENTS_PER_TASK: usize = 100;
const SINGLE_WRITER_EVENTS: usize = 600;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("both", String::as_str);
    if backend == "sqlite" || backend == "both" {
        let folder = std::env::temp_dir().join(format!("officina-projection-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        let url = format!("sqlite://{}?mode=rwc", folder.join("bench.db").display());
        run_suite("SQLite", &url).await;
        let _ = std::fs::remove_dir_all(folder);
    }
    if backend == "postgres" || backend == "both" {
        let admin_url = std::env::var("OFFICINA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        let name = format!("officina_bench_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
        run_suite("PostgreSQL", &format!("{base}/{name}")).await;
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
    }
}

async fn run_suite(label: &str, url: &str) {
    let raw = EventStore::connect(url).await.expect("open the store");
    let projected = officina_projections::connect(url, StoreOptions::default()).await.expect("open the store");
    for (name, tasks, per_task) in [("single writer", 1, SINGLE_WRITER_EVENTS), ("64 concurrent writers", TASKS, EVENTS_PER_TASK)]
    {
        let (mut raw_rates, mut projected_rates) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            raw_rates.push(round(&raw, tasks, per_task).await);
            projected_rates.push(round(&projected, tasks, per_task).await);
        }
        let (raw_rate, projected_rate) = (median(raw_rates), median(projected_rates));
        println!(
            "{label}, {name}: raw append {raw_rate:.0} events/s, with read models {projected_rate:.0} events/s ({:.0}%)",
            100.0 * projected_rate / raw_rate
        );
    }
}

/// Appends `per_task` single-event appends on each of `tasks` fresh workshop streams; events/s.
async fn round(store: &EventStore, tasks: usize, per_task: usize) -> f64 {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let workshop = WorkshopId::new(Uuid::now_v7());
                let stream = workshop_stream_id(workshop);
                for (version, event) in events(workshop, per_task).into_iter().enumerate() {
                    let event = NewEvent::new(event.event_type(), event.to_payload());
                    store.append(&stream, ExpectedVersion::Exact(version as u64), vec![event], None).await.expect("append");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task");
    }
    (tasks * per_task) as f64 / start.elapsed().max(Duration::from_micros(1)).as_secs_f64()
}

/// A workshop's identification followed by a mix of members, contributions and positions.
fn events(workshop: WorkshopId, count: usize) -> Vec<AnyEvent> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("an instant");
    let organization = OrganizationRef {
        id: OrganizationId::new(Uuid::now_v7()),
        name: "Regione Abruzzo".into(),
        category: EccpCategory::ManagingAuthority,
    };
    let member = MemberId::new(Uuid::now_v7());
    let proposal = ProposalId::new(Uuid::now_v7());
    let mut events = vec![AnyEvent::Workshop(Event::WorkshopIdentified {
        workshop_id: workshop,
        name: "OPS Bench".into(),
        theme: "Throughput".into(),
        programming_cycle: "2021-2027".into(),
        cycle_phase: CyclePhase::Implementation,
        territory: "Abruzzo".into(),
        regions: vec!["13".into()],
        provinces: Vec::new(),
        programme: "PR FESR".into(),
        managing_authority: organization.clone(),
        identified_by: PersonId::new(Uuid::now_v7()),
        at,
    })];
    for i in 1..count {
        let event = match i % 3 {
            0 => Event::MemberAdmitted {
                member_id: MemberId::new(Uuid::now_v7()),
                person_id: PersonId::new(Uuid::now_v7()),
                role: Role::Partner,
                organization: organization.clone(),
                mandate_reference: "Delibera 12/2026".into(),
                admitted_by: Some(member),
                administrator: None,
                at,
            },
            1 => Event::ContributionSubmitted {
                contribution_id: ContributionId::new(Uuid::now_v7()),
                kind: ContributionKind::Analysis,
                title: "Analisi dei fabbisogni".into(),
                body: "Un testo di qualche riga sui fabbisogni del territorio.".into(),
                member_id: member,
                organization_id: organization.id,
                session_id: None,
                agenda_item_id: None,
                reply_to: None,
                at,
            },
            _ => Event::PositionStated {
                proposal_id: proposal,
                organization_id: organization.id,
                member_id: member,
                stance: Stance::Support,
                rationale: None,
                text_version: 1,
                at,
            },
        };
        events.push(AnyEvent::Workshop(event));
    }
    events
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
