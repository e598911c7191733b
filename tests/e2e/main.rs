//! End-to-end tests: the real server, started in-process on port 0, spoken to over HTTP like a
//! client would; and the real `officina` binary, run as an operator would.

mod support;

mod cli;
mod health;
