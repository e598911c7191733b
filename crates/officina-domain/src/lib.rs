//! The partnership-workshop model of Officina (placeholder until the domain lands).
