//! The schema as standard tools read it: the reference implementation's full introspection
//! query (graphql-js `getIntrospectionQuery`, kept in `introspection-query.graphql` and checked
//! against graphql-js in CI) passes the server's limits, and the schema rebuilt from its answer
//! is the committed `schema/schema.graphql`: every type, field, argument, input field, enum value,
//! interface, description, default and deprecation.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use crate::support::{Db, spawn_app};

const INTROSPECTION: &str = include_str!("introspection-query.graphql");
const SCHEMA: &str = include_str!("../../schema/schema.graphql");

/// What a schema says, in a form both the SDL and an introspection answer reduce to.
#[derive(Debug, Default, PartialEq, Eq)]
struct Model {
    roots: (String, Option<String>, Option<String>),
    types: BTreeMap<String, TypeModel>,
    directives: BTreeMap<String, (BTreeMap<String, InputModel>, BTreeSet<String>)>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct TypeModel {
    kind: String,
    description: Option<String>,
    fields: BTreeMap<String, FieldModel>,
    interfaces: BTreeSet<String>,
    possible_types: BTreeSet<String>,
    enum_values: BTreeMap<String, (Option<String>, Option<String>)>,
    input_fields: BTreeMap<String, InputModel>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct FieldModel {
    description: Option<String>,
    ty: String,
    args: BTreeMap<String, InputModel>,
    deprecation: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct InputModel {
    description: Option<String>,
    ty: String,
    default: Option<String>,
    deprecation: Option<String>,
}

const BUILT_IN_SCALARS: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: &[&str] = &["include", "skip", "deprecated", "specifiedBy", "oneOf"];

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `[Node]!` from an introspection type reference.
fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn deprecation(value: &Value) -> Option<String> {
    if value["isDeprecated"].as_bool() == Some(true) { Some(text(&value["deprecationReason"]).unwrap_or_default()) } else { None }
}

fn inputs(values: &Value) -> BTreeMap<String, InputModel> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let model = InputModel {
                description: text(&v["description"]),
                ty: type_ref(&v["type"]),
                default: v["defaultValue"].as_str().map(str::to_owned),
                deprecation: deprecation(v),
            };
            (v["name"].as_str().unwrap_or_default().to_owned(), model)
        })
        .collect()
}

fn names(values: &Value) -> BTreeSet<String> {
    values.as_array().into_iter().flatten().filter_map(|v| v["name"].as_str().map(str::to_owned)).collect()
}

/// The model of an introspection answer (`data.__schema`).
fn from_introspection(schema: &Value) -> Model {
    let root = |key: &str| schema[key]["name"].as_str().map(str::to_owned);
    let mut model = Model {
        roots: (root("queryType").unwrap_or_default(), root("mutationType"), root("subscriptionType")),
        ..Model::default()
    };
    for ty in schema["types"].as_array().into_iter().flatten() {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        let fields = ty["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let field = FieldModel {
                    description: text(&f["description"]),
                    ty: type_ref(&f["type"]),
                    args: inputs(&f["args"]),
                    deprecation: deprecation(f),
                };
                (f["name"].as_str().unwrap_or_default().to_owned(), field)
            })
            .collect();
        let enum_values = ty["enumValues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| (v["name"].as_str().unwrap_or_default().to_owned(), (text(&v["description"]), deprecation(v))))
            .collect();
        let kind = ty["kind"].as_str().unwrap_or_default().to_owned();
        model.types.insert(
            name.to_owned(),
            TypeModel {
                kind,
                description: text(&ty["description"]),
                fields,
                interfaces: names(&ty["interfaces"]),
                possible_types: if ty["kind"] == "UNION" { names(&ty["possibleTypes"]) } else { BTreeSet::new() },
                enum_values,
                input_fields: inputs(&ty["inputFields"]),
            },
        );
    }
    for directive in schema["directives"].as_array().into_iter().flatten() {
        let name = directive["name"].as_str().unwrap_or_default();
        if !BUILT_IN_DIRECTIVES.contains(&name) {
            let locations =
                directive["locations"].as_array().into_iter().flatten().filter_map(|l| l.as_str().map(str::to_owned)).collect();
            model.directives.insert(name.to_owned(), (inputs(&directive["args"]), locations));
        }
    }
    model
}

fn sdl_deprecation(
    directives: &[async_graphql::parser::Positioned<async_graphql::parser::types::ConstDirective>],
) -> Option<String> {
    directives.iter().find(|d| d.node.name.node == "deprecated").map(|d| {
        d.node
            .get_argument("reason")
            .and_then(|r| r.node.clone().into_json().ok())
            .and_then(|r| r.as_str().map(str::to_owned))
            .unwrap_or_default()
    })
}

fn sdl_inputs(
    values: &[async_graphql::parser::Positioned<async_graphql::parser::types::InputValueDefinition>],
) -> BTreeMap<String, InputModel> {
    values
        .iter()
        .map(|v| {
            let v = &v.node;
            let model = InputModel {
                description: v.description.as_ref().map(|d| d.node.clone()).filter(|d| !d.is_empty()),
                ty: v.ty.node.to_string(),
                default: v.default_value.as_ref().map(|d| d.node.to_string()),
                deprecation: sdl_deprecation(&v.directives),
            };
            (v.name.node.to_string(), model)
        })
        .collect()
}

/// The model of the committed SDL.
fn from_sdl(sdl: &str) -> Model {
    let document = async_graphql::parser::parse_schema(sdl).expect("the committed schema parses");
    let mut model = Model { roots: ("Query".into(), None, None), ..Model::default() };
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                let schema = schema.node;
                let name = |n: Option<async_graphql::parser::Positioned<async_graphql::Name>>| n.map(|n| n.node.to_string());
                model.roots =
                    (name(schema.query).unwrap_or_else(|| "Query".into()), name(schema.mutation), name(schema.subscription));
            }
            TypeSystemDefinition::Type(ty) => {
                let ty = ty.node;
                let mut out = TypeModel {
                    description: ty.description.as_ref().map(|d| d.node.clone()).filter(|d| !d.is_empty()),
                    ..TypeModel::default()
                };
                let fields = |fields: Vec<async_graphql::parser::Positioned<async_graphql::parser::types::FieldDefinition>>| {
                    fields
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            let field = FieldModel {
                                description: f.description.as_ref().map(|d| d.node.clone()).filter(|d| !d.is_empty()),
                                ty: f.ty.node.to_string(),
                                args: sdl_inputs(&f.arguments),
                                deprecation: sdl_deprecation(&f.directives),
                            };
                            (f.name.node.to_string(), field)
                        })
                        .collect()
                };
                match ty.kind {
                    TypeKind::Scalar => out.kind = "SCALAR".into(),
                    TypeKind::Object(object) => {
                        out.kind = "OBJECT".into();
                        out.interfaces = object.implements.iter().map(|i| i.node.to_string()).collect();
                        out.fields = fields(object.fields);
                    }
                    TypeKind::Interface(interface) => {
                        out.kind = "INTERFACE".into();
                        out.interfaces = interface.implements.iter().map(|i| i.node.to_string()).collect();
                        out.fields = fields(interface.fields);
                    }
                    TypeKind::Union(union) => {
                        out.kind = "UNION".into();
                        out.possible_types = union.members.iter().map(|m| m.node.to_string()).collect();
                    }
                    TypeKind::Enum(enumeration) => {
                        out.kind = "ENUM".into();
                        out.enum_values = enumeration
                            .values
                            .iter()
                            .map(|v| {
                                let v = &v.node;
                                let description = v.description.as_ref().map(|d| d.node.clone()).filter(|d| !d.is_empty());
                                (v.value.node.to_string(), (description, sdl_deprecation(&v.directives)))
                            })
                            .collect();
                    }
                    TypeKind::InputObject(input) => {
                        out.kind = "INPUT_OBJECT".into();
                        out.input_fields = sdl_inputs(&input.fields);
                    }
                }
                model.types.insert(ty.name.node.to_string(), out);
            }
            TypeSystemDefinition::Directive(directive) => {
                let directive = directive.node;
                let name = directive.name.node.to_string();
                if !BUILT_IN_DIRECTIVES.contains(&name.as_str()) {
                    let locations = directive.locations.iter().map(|l| format!("{:?}", l.node).to_uppercase()).collect();
                    model.directives.insert(name, (sdl_inputs(&directive.arguments), locations));
                }
            }
        }
    }
    model
}

#[tokio::test]
async fn the_reference_introspection_query_passes_and_rebuilds_the_committed_schema() {
    let app = spawn_app(Db::Sqlite).await;
    let answer = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(answer.get("errors").is_none(), "the standard introspection query is refused: {:#}", answer["errors"]);
    let served = from_introspection(&answer["data"]["__schema"]);
    let committed = from_sdl(SCHEMA);
    assert_eq!(served.roots, committed.roots);
    let served_types: BTreeSet<&String> = served.types.keys().collect();
    let committed_types: BTreeSet<&String> = committed.types.keys().collect();
    assert_eq!(served_types, committed_types, "the same types");
    assert!(committed.types.len() > 80, "{} types", committed.types.len());
    assert!(committed.types["Mutation"].fields.len() >= 30);
    assert!(committed.types["Workshop"].interfaces.contains("Node"));
    assert!(committed.types["StatePositionInput"].input_fields["organizationId"].deprecation.is_some());
    for (name, ty) in &committed.types {
        assert_eq!(&served.types[name], ty, "type {name}");
    }
    assert_eq!(served.directives, committed.directives);

    // The same depth in data fields is still refused.
    let deep = format!(
        "{{ {}name{} }}",
        "workshops { edges { node { sessions { edges { node { workshop { ".repeat(2),
        " } } } } } } } ".repeat(2)
    );
    let refused = app.gql(None, &deep, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TOO_DEEP", "{refused:#}");
}
