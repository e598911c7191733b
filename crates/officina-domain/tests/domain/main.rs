//! The domain's test suite, in one binary: given(events).when(command).then(events | error) for
//! every command, the role matrix as a table, the decision rules as tables and properties, the
//! Italian calendar, the payload contract and the demo script.

mod calendar;
mod contributions;
mod inputs;
mod members;
mod organizations_and_guidelines;
mod payloads;
mod proposals;
mod roles;
mod rules;
mod sessions;
mod support;
mod workshops;
