//! A deterministic demo history (placeholder while the script is written).
