//! The storage contract of events and the error table.
