//! The checks of a document that async-graphql does not make, or makes differently, run before
//! execution by [`crate::Api`]:
//!
//! - **Enum input coercion** as the GraphQL specification has it: in a document, an enum value
//!   is written bare (`kind: COMMENT`), and a string literal in its place (`kind: "COMMENT"`) is
//!   a type error. (Variables are JSON, where enum values travel as strings; that is allowed.)
//!   [`SchemaTypes::check`] walks the document's arguments, variable defaults and fragments with
//!   the schema's types and refuses such literals (`VALIDATION`, `ENUM_AS_STRING`).
//! - **Depth**, counted on data fields only ([`depth_errors`]): the introspection fields
//!   (`__schema`, `__type`) and everything under them do not count, so the standard introspection
//!   query that GraphiQL, graphql-codegen and IDEs send passes, while the same nesting of data
//!   fields is refused (`VALIDATION`, `TOO_DEEP`). async-graphql's own depth limit would count the
//!   introspection's `ofType` chain.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};
use async_graphql::{ErrorExtensionValues, Pos, ServerError, Value};

/// A field of an object or interface type: its arguments' types and the type it returns.
#[derive(Debug, Default)]
struct FieldTypes {
    arguments: HashMap<String, Type>,
    returns: String,
}

/// What the check needs to know of the schema.
#[derive(Debug, Default)]
pub struct SchemaTypes {
    enums: HashSet<String>,
    /// Object and interface types: field name → its types.
    fields: HashMap<String, HashMap<String, FieldTypes>>,
    /// Input object types: field name → its type.
    inputs: HashMap<String, HashMap<String, Type>>,
}

impl SchemaTypes {
    /// The types of the schema written as `sdl`.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut types = SchemaTypes::default();
        let Ok(document) = parse_schema(sdl) else { return types };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else { continue };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            match definition.kind {
                TypeKind::Enum(_) => {
                    types.enums.insert(name);
                }
                TypeKind::Object(object) => {
                    types.fields.insert(name, field_types(object.fields));
                }
                TypeKind::Interface(interface) => {
                    types.fields.insert(name, field_types(interface.fields));
                }
                TypeKind::InputObject(input) => {
                    let fields = input.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    types.inputs.insert(name, fields);
                }
                TypeKind::Scalar | TypeKind::Union(_) => {}
            }
        }
        types
    }

    /// Whether `type_name` (an object or interface type) has a field `field`.
    pub fn has_field(&self, type_name: &str, field: &str) -> bool {
        self.fields.get(type_name).is_some_and(|fields| fields.contains_key(field))
    }

    /// Every string literal written where the schema expects an enum value, as errors.
    pub fn check(&self, document: &ExecutableDocument) -> Vec<ServerError> {
        let mut errors = Vec::new();
        let operations: Vec<_> = match &document.operations {
            DocumentOperations::Single(operation) => vec![operation],
            DocumentOperations::Multiple(operations) => operations.values().collect(),
        };
        for operation in operations {
            let operation = &operation.node;
            for variable in &operation.variable_definitions {
                if let Some(default) = &variable.node.default_value {
                    self.check_value(&variable.node.var_type.node, &default.node, default.pos, &mut errors);
                }
            }
            let root = match operation.ty {
                async_graphql::parser::types::OperationType::Query => "Query",
                async_graphql::parser::types::OperationType::Mutation => "Mutation",
                async_graphql::parser::types::OperationType::Subscription => "Subscription",
            };
            self.check_selection(root, &operation.selection_set.node, &mut errors);
        }
        for fragment in document.fragments.values() {
            let fragment = &fragment.node;
            self.check_selection(fragment.type_condition.node.on.node.as_str(), &fragment.selection_set.node, &mut errors);
        }
        errors
    }

    fn check_selection(&self, parent: &str, selection_set: &SelectionSet, errors: &mut Vec<ServerError>) {
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let Some(types) = self.fields.get(parent).and_then(|fields| fields.get(field.name.node.as_str())) else {
                        // Introspection and unknown fields: execution validates them.
                        continue;
                    };
                    for (name, value) in &field.arguments {
                        if let Some(ty) = types.arguments.get(name.node.as_str()) {
                            // Variables are JSON, where enums are strings: they stand in as nulls.
                            let Ok(literal) =
                                value.node.clone().into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null));
                            self.check_value(ty, &literal, value.pos, errors);
                        }
                    }
                    self.check_selection(&types.returns, &field.selection_set.node, errors);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref().map_or(parent, |condition| condition.node.on.node.as_str());
                    self.check_selection(on, &fragment.selection_set.node, errors);
                }
                // Named fragments are checked once, with their own type condition.
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    fn check_value(&self, ty: &Type, value: &Value, pos: Pos, errors: &mut Vec<ServerError>) {
        match (&ty.base, value) {
            (BaseType::List(inner), Value::List(items)) => {
                for item in items {
                    self.check_value(inner, item, pos, errors);
                }
            }
            // A single value where a list is expected is coerced into a list of one.
            (BaseType::List(inner), value) => self.check_value(inner, value, pos, errors),
            (BaseType::Named(name), Value::String(text)) if self.enums.contains(name.as_str()) => {
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", crate::Code::Validation.as_str());
                extensions.set("reason", crate::Reason::EnumAsString.as_str());
                errors.push(ServerError {
                    message: format!(
                        "\"{text}\" is a string, but {name} is an enum: write its value without quotes (in variables, enum values are strings)."
                    ),
                    source: None,
                    locations: vec![pos],
                    path: Vec::new(),
                    extensions: Some(extensions),
                });
            }
            (BaseType::Named(name), Value::Object(fields)) => {
                if let Some(input) = self.inputs.get(name.as_str()) {
                    for (field, value) in fields {
                        if let Some(ty) = input.get(field.as_str()) {
                            self.check_value(ty, value, pos, errors);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A `TOO_DEEP` error when an operation of `document` nests data fields deeper than `max`.
pub fn depth_errors(document: &ExecutableDocument, max: usize) -> Vec<ServerError> {
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values().collect(),
    };
    let mut errors = Vec::new();
    for operation in operations {
        let mut visiting = HashSet::new();
        if selection_depth(document, &operation.node.selection_set.node, &mut visiting) > max {
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", crate::Code::Validation.as_str());
            extensions.set("reason", crate::Reason::TooDeep.as_str());
            errors.push(ServerError {
                message: format!("Query is nested too deep: at most {max} levels of fields (introspection aside)."),
                source: None,
                locations: vec![operation.pos],
                path: Vec::new(),
                extensions: Some(extensions),
            });
        }
    }
    errors
}

/// The deepest nesting of data fields under `selection_set`, fragments followed (a fragment
/// already being followed counts nothing more: cycles are the validator's to report).
fn selection_depth<'a>(
    document: &'a ExecutableDocument,
    selection_set: &'a SelectionSet,
    visiting: &mut HashSet<&'a str>,
) -> usize {
    let mut deepest = 0;
    for selection in &selection_set.items {
        let depth = match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    0
                } else {
                    1 + selection_depth(document, &field.node.selection_set.node, visiting)
                }
            }
            Selection::InlineFragment(fragment) => selection_depth(document, &fragment.node.selection_set.node, visiting),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if visiting.insert(name) => {
                        let depth = selection_depth(document, &fragment.node.selection_set.node, visiting);
                        visiting.remove(name);
                        depth
                    }
                    _ => 0,
                }
            }
        };
        deepest = deepest.max(depth);
    }
    deepest
}

fn field_types(fields: Vec<Positioned<async_graphql::parser::types::FieldDefinition>>) -> HashMap<String, FieldTypes> {
    fields
        .into_iter()
        .map(|field| {
            let field = field.node;
            let arguments = field.arguments.into_iter().map(|a| (a.node.name.node.to_string(), a.node.ty.node)).collect();
            (field.name.node.to_string(), FieldTypes { arguments, returns: named(&field.ty.node).to_owned() })
        })
        .collect()
}

/// The named type inside lists and non-nulls.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        enum Kind { COMMENT QUESTION }
        input Filter { kind: Kind kinds: [Kind!] }
        type Item { name: String }
        type Query { items(kind: Kind, filter: Filter): [Item!]! }
        type Mutation { add(kind: Kind!): Item }
    ";

    fn errors(query: &str) -> usize {
        let types = SchemaTypes::from_sdl(SDL);
        let document = async_graphql::parser::parse_query(query).expect("parses");
        types.check(&document).len()
    }

    #[test]
    fn a_string_where_an_enum_is_expected_is_refused_wherever_it_is_written() {
        assert_eq!(errors("{ items(kind: COMMENT) { name } }"), 0);
        assert_eq!(errors("{ items(kind: \"COMMENT\") { name } }"), 1);
        assert_eq!(errors("{ items(filter: {kinds: [QUESTION, \"COMMENT\"]}) { name } }"), 1);
        assert_eq!(errors("{ items(filter: {kinds: \"COMMENT\"}) { name } }"), 1);
        assert_eq!(errors("mutation { add(kind: \"QUESTION\") { name } }"), 1);
        assert_eq!(errors("query($k: Kind = \"COMMENT\") { items(kind: $k) { name } }"), 1);
        assert_eq!(errors("query { ...F } fragment F on Query { items(kind: \"COMMENT\") { name } }"), 1);
        assert_eq!(errors("query { ... on Query { items(kind: \"COMMENT\") { name } } }"), 1);
        // Variables carry enum values as strings: that is how JSON spells them.
        assert_eq!(errors("query($k: Kind) { items(kind: $k) { name } }"), 0);
    }

    fn too_deep(query: &str, max: usize) -> bool {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        !depth_errors(&document, max).is_empty()
    }

    #[test]
    fn depth_counts_data_fields_through_fragments_but_not_introspection() {
        assert!(!too_deep("{ a { b { c } } }", 3));
        assert!(too_deep("{ a { b { c { d } } } }", 3));
        assert!(too_deep("{ a { ...F } } fragment F on X { b { c { d } } }", 3));
        assert!(too_deep("{ a { ... on X { b { c { d } } } } }", 3));
        assert!(!too_deep("{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }", 3));
        assert!(!too_deep("{ __type(name: \"X\") { fields { type { ofType { ofType { name } } } } } }", 3));
        // A fragment cycle is not followed forever.
        assert!(!too_deep("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }", 3));
    }
}
