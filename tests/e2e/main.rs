//! End-to-end tests: the real server, started in-process on port 0, spoken to over HTTP and
//! WebSocket like a client would; and the real `officina` binary, run as an operator would.

mod support;

mod fixture;

mod audit;
mod cli;
mod cluster;
mod console;
mod deliberation;
mod filters;
mod fuzz;
mod hardening;
mod health;
mod introspection;
mod mutations;
mod people;
mod proofs;
mod protocol;
mod relay;
mod replicas;
mod reports;
mod resources;
mod sessions;
mod sharing;
mod subscriptions;
mod timetravel;
mod transparency;
