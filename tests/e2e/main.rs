//! End-to-end tests: the real server, started in-process on port 0, spoken to over HTTP and
//! WebSocket like a client would; and the real `officina` binary, run as an operator would.

mod support;

mod fixture;

mod cli;
mod audit;
mod deliberation;
mod filters;
mod mutations;
mod protocol;
mod subscriptions;
mod health;
