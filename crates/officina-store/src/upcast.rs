//! Schema evolution: stored payloads are never rewritten; old shapes are upgraded when read.

use std::collections::HashMap;
use std::sync::Arc;

/// Turns a payload of one schema version into the next version's shape.
pub type UpcastFn = Arc<dyn Fn(serde_json::Value) -> serde_json::Value + Send + Sync>;

/// A registry of `(event_type, schema_version) → upgrade to schema_version + 1` functions.
///
/// Reading applies them in a chain until no upgrade is registered for the event's current
/// version, so a v1 payload passes through v2 to v3 when both steps are registered.
#[derive(Clone, Default)]
pub struct Upcasters {
    steps: HashMap<(String, u32), UpcastFn>,
}

impl std::fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<_> = self.steps.keys().collect();
        keys.sort();
        f.debug_struct("Upcasters").field("steps", &keys).finish()
    }
}

impl Upcasters {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the upgrade of `event_type` payloads from `from_version` to `from_version + 1`.
    pub fn register(
        mut self,
        event_type: impl Into<String>,
        from_version: u32,
        upgrade: impl Fn(serde_json::Value) -> serde_json::Value + Send + Sync + 'static,
    ) -> Self {
        self.steps.insert((event_type.into(), from_version), Arc::new(upgrade));
        self
    }

    /// Whether no upgrade is registered (reads can skip the lookup).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Upgrades `payload` from `version` as far as the registry goes; returns the final version.
    pub fn upcast(&self, event_type: &str, mut version: u32, mut payload: serde_json::Value) -> (u32, serde_json::Value) {
        if self.steps.is_empty() {
            return (version, payload);
        }
        let mut key = (event_type.to_owned(), version);
        while let Some(step) = self.steps.get(&key) {
            payload = step(payload);
            version += 1;
            key.1 = version;
        }
        (version, payload)
    }
}
