//! The committed SDL (`schema/schema.graphql`) is the contract frontends build against: it must
//! be exactly what the code serves. Regenerate it with
//! `OFFICINA_UPDATE_SCHEMA=1 cargo test -p officina-graphql --test schema`.

use std::path::PathBuf;

#[test]
fn the_committed_schema_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql");
    let generated = officina_graphql::sdl();
    if std::env::var_os("OFFICINA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema/schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/schema.graphql differs from the schema the code serves; run \
         `OFFICINA_UPDATE_SCHEMA=1 cargo test -p officina-graphql --test schema` and commit the result"
    );
}

#[test]
fn the_schema_has_every_operation_of_the_contract() {
    let sdl = officina_graphql::sdl();
    let queries = ["me", "workshops", "workshop", "organizations", "guidelines", "session", "proposal", "decision", "events"];
    let mutations = [
        "registerOrganization",
        "identifyWorkshop",
        "advanceWorkshopStage",
        "admitMember",
        "changeMemberRole",
        "publishGuideline",
        "adoptGuideline",
        "giveGuidelineFeedback",
        "scheduleSession",
        "shareDocument",
        "openSession",
        "checkIn",
        "startAgendaItem",
        "closeSession",
        "submitContribution",
        "reviseContribution",
        "withdrawContribution",
        "tableProposal",
        "amendProposal",
        "openDeliberation",
        "statePosition",
        "closeDeliberation",
        "withdrawProposal",
    ];
    let subscriptions = ["workshopActivity", "sessionLive", "proposalTally", "events"];
    // By exact name on each root type (a query named `events` does not stand for the
    // subscription of that name).
    let fields = root_fields(&sdl);
    for (root, names) in [("Query", &queries[..]), ("Mutation", &mutations[..]), ("Subscription", &subscriptions[..])] {
        for name in names {
            assert!(fields[root].contains(*name), "{root} lacks {name}: it has {:?}", fields[root]);
        }
    }
    let types = type_names(&sdl);
    for scalar in ["Position", "JSON", "DateTime"] {
        assert!(types.contains(scalar), "the schema lacks the scalar {scalar}");
    }
}

/// The field names of each root type (`Query`, `Mutation`, `Subscription`) of the SDL.
fn root_fields(sdl: &str) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut roots = std::collections::BTreeMap::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(definition) = definition
            && let TypeKind::Object(object) = &definition.node.kind
        {
            let name = definition.node.name.node.to_string();
            if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) {
                roots.insert(name, object.fields.iter().map(|field| field.node.name.node.to_string()).collect());
            }
        }
    }
    roots
}

/// The name of every type the SDL defines (objects, inputs, enums, scalars...).
fn type_names(sdl: &str) -> std::collections::BTreeSet<String> {
    use async_graphql::parser::types::TypeSystemDefinition;
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(definition) => Some(definition.node.name.node.to_string()),
            _ => None,
        })
        .collect()
}

/// The exact-name check tells a query from a subscription of the same name.
#[test]
fn the_operation_check_tells_the_root_types_apart() {
    let fields = root_fields("type Query { events: Int }\ntype Subscription { other: Int }");
    assert!(fields["Query"].contains("events"));
    assert!(!fields["Subscription"].contains("events"));
}

/// Every type, field, argument, input field and enum value of the schema, by coordinate
/// (`Type.field(argument:)`), that has no description.
fn undescribed(sdl: &str) -> Vec<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut missing = Vec::new();
    let mut check = |described: bool, coordinate: String| {
        if !described {
            missing.push(coordinate);
        }
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else { continue };
        let definition = &definition.node;
        let name = definition.name.node.as_str();
        // async-graphql's generic `Connection` takes no description of its own (its fields have
        // theirs); the type is the Relay shape every GraphQL client knows.
        check(definition.description.is_some() || name.ends_with("Connection"), name.to_owned());
        match &definition.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    let field = &field.node;
                    check(field.description.is_some(), format!("{name}.{}", field.name.node));
                    for argument in &field.arguments {
                        let argument = &argument.node;
                        check(argument.description.is_some(), format!("{name}.{}({}:)", field.name.node, argument.name.node));
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in &interface.fields {
                    check(field.node.description.is_some(), format!("{name}.{}", field.node.name.node));
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    check(field.node.description.is_some(), format!("{name}.{}", field.node.name.node));
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    check(value.node.description.is_some(), format!("{name}.{}", value.node.value.node));
                }
            }
            TypeKind::Scalar | TypeKind::Union(_) => {}
        }
    }
    missing
}

/// A frontend developer reads the schema in GraphiQL or in generated types: every type, field,
/// argument and value must say what it is (in the code, a doc comment is its description).
#[test]
fn every_type_field_argument_and_value_is_described() {
    let missing = undescribed(&officina_graphql::sdl());
    assert!(
        missing.is_empty(),
        "{} schema elements have no description (write a doc comment):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_description_check_catches_an_undescribed_field() {
    let sdl = "\"A thing.\"\ntype Thing {\n  \"Its name.\"\n  name: String!\n  size: Int!\n}\n";
    assert_eq!(undescribed(sdl), vec!["Thing.size".to_owned()]);
}

/// The values of each enumeration of the SDL.
fn enum_values(sdl: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut enums = std::collections::BTreeMap::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(definition) = definition
            && let TypeKind::Enum(enumeration) = &definition.node.kind
        {
            let values = enumeration.values.iter().map(|v| v.node.value.node.to_string()).collect();
            enums.insert(definition.node.name.node.to_string(), values);
        }
    }
    enums
}

/// Every labelled enumeration has a label for each of its values in the schema, in both
/// languages, and nothing else.
#[test]
fn labels_cover_every_value_of_their_enumerations() {
    let enums = enum_values(&officina_graphql::sdl());
    for lang in [officina_domain::Lang::En, officina_domain::Lang::It] {
        for labels in officina_graphql::labels::all(lang) {
            let schema = enums.get(&labels.name).unwrap_or_else(|| panic!("{} is not an enumeration of the schema", labels.name));
            let labelled: Vec<String> = labels.values.iter().map(|v| v.value.clone()).collect();
            assert_eq!(&labelled, schema, "{}", labels.name);
            assert!(labels.values.iter().all(|v| !v.label.is_empty() && v.label != v.value), "{}", labels.name);
        }
    }
}
