//! The demo script.
