//! Validates GraphQL documents against GitHub's schema (introspection JSON in
//! `@octokit/graphql-schema`'s `schema.json`): fields and arguments exist, required
//! arguments are given, enum literals are members, leaf and composite selections are
//! right, fragments apply to real types, variables have input types, and every
//! connection is paginated with `first` or `last` as GitHub requires.

use std::collections::HashMap;

use graphql_parser::query as q;
use serde_json::Value;

pub struct Schema {
    types: HashMap<String, Value>,
    query_type: String,
}

/// The named type inside a type reference (`[Foo!]!` -> `Foo`).
fn named(type_ref: &Value) -> &str {
    match type_ref.get("name").and_then(Value::as_str) {
        Some(n) => n,
        None => named(&type_ref["ofType"]),
    }
}

impl Schema {
    pub fn load() -> Schema {
        let v = super::openapi::load("@octokit/graphql-schema/schema.json");
        let schema = &v["__schema"];
        let types = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
            .collect();
        Schema {
            types,
            query_type: schema["queryType"]["name"].as_str().unwrap().to_string(),
        }
    }

    fn kind(&self, name: &str) -> Option<&str> {
        self.types.get(name)?.get("kind")?.as_str()
    }

    fn field(&self, type_name: &str, field: &str) -> Option<&Value> {
        self.types
            .get(type_name)?
            .get("fields")?
            .as_array()?
            .iter()
            .find(|f| f["name"] == field)
    }

    /// Problems with `document`; empty when GitHub would accept it.
    pub fn validate(&self, document: &str) -> Vec<String> {
        let doc = match q::parse_query::<String>(document) {
            Ok(d) => d,
            Err(e) => return vec![format!("parse error: {e}")],
        };
        let mut errors = Vec::new();
        let fragments: HashMap<String, &q::FragmentDefinition<String>> = doc
            .definitions
            .iter()
            .filter_map(|d| match d {
                q::Definition::Fragment(f) => Some((f.name.clone(), f)),
                _ => None,
            })
            .collect();
        for def in &doc.definitions {
            match def {
                q::Definition::Operation(q::OperationDefinition::Query(query)) => {
                    let mut declared = Vec::new();
                    for v in &query.variable_definitions {
                        let mut t = &v.var_type;
                        while let q::Type::NonNullType(inner) | q::Type::ListType(inner) = t {
                            t = inner;
                        }
                        if let q::Type::NamedType(n) = t {
                            match self.kind(n) {
                                Some("SCALAR" | "ENUM" | "INPUT_OBJECT") => {}
                                _ => errors.push(format!("${}: {n} is not an input type", v.name)),
                            }
                        }
                        declared.push(v.name.clone());
                    }
                    let ctx = Ctx {
                        schema: self,
                        fragments: &fragments,
                        declared: &declared,
                    };
                    ctx.selections(&self.query_type, &query.selection_set, "", &mut errors);
                }
                q::Definition::Operation(q::OperationDefinition::SelectionSet(set)) => {
                    let ctx = Ctx {
                        schema: self,
                        fragments: &fragments,
                        declared: &[],
                    };
                    ctx.selections(&self.query_type, set, "", &mut errors);
                }
                q::Definition::Operation(_) => errors.push("only queries are validated".into()),
                q::Definition::Fragment(_) => {}
            }
        }
        errors
    }
}

struct Ctx<'a, 'd> {
    schema: &'a Schema,
    fragments: &'a HashMap<String, &'d q::FragmentDefinition<'d, String>>,
    declared: &'a [String],
}

impl Ctx<'_, '_> {
    fn selections(
        &self,
        on: &str,
        set: &q::SelectionSet<String>,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        for item in &set.items {
            match item {
                q::Selection::Field(f) => self.field(on, f, path, errors),
                q::Selection::InlineFragment(frag) => {
                    let target = match &frag.type_condition {
                        Some(q::TypeCondition::On(t)) => t.as_str(),
                        None => on,
                    };
                    if !matches!(
                        self.schema.kind(target),
                        Some("OBJECT" | "INTERFACE" | "UNION")
                    ) {
                        errors.push(format!("{path}: fragment on unknown type {target}"));
                        continue;
                    }
                    self.selections(target, &frag.selection_set, path, errors);
                }
                q::Selection::FragmentSpread(s) => match self.fragments.get(&s.fragment_name) {
                    Some(frag) => {
                        let q::TypeCondition::On(t) = &frag.type_condition;
                        self.selections(t, &frag.selection_set, path, errors);
                    }
                    None => errors.push(format!(
                        "{path}: fragment {} is not defined",
                        s.fragment_name
                    )),
                },
            }
        }
    }

    fn field(&self, on: &str, f: &q::Field<String>, path: &str, errors: &mut Vec<String>) {
        let here = format!("{path}.{}", f.name);
        if f.name == "__typename" {
            return;
        }
        let Some(def) = self.schema.field(on, &f.name) else {
            errors.push(format!(
                "{here}: field {} doesn't exist on type {on}",
                f.name
            ));
            return;
        };
        let args = def["args"].as_array().cloned().unwrap_or_default();
        for (name, value) in &f.arguments {
            let Some(arg) = args.iter().find(|a| a["name"] == name.as_str()) else {
                errors.push(format!("{here}: unknown argument {name}"));
                continue;
            };
            self.value(&arg["type"], value, &format!("{here}({name})"), errors);
        }
        for arg in &args {
            let required = arg["type"]["kind"] == "NON_NULL" && arg["defaultValue"].is_null();
            let given = f.arguments.iter().any(|(n, _)| arg["name"] == n.as_str());
            if required && !given {
                errors.push(format!(
                    "{here}: required argument {} is missing",
                    arg["name"]
                ));
            }
        }
        let type_name = named(&def["type"]);
        if type_name.ends_with("Connection")
            && !f.arguments.iter().any(|(n, _)| n == "first" || n == "last")
        {
            errors.push(format!("{here}: the {type_name} needs `first` or `last`"));
        }
        match self.schema.kind(type_name) {
            Some("OBJECT" | "INTERFACE" | "UNION") => {
                if f.selection_set.items.is_empty() {
                    errors.push(format!("{here}: {type_name} needs a selection"));
                }
                self.selections(type_name, &f.selection_set, &here, errors);
            }
            _ => {
                if !f.selection_set.items.is_empty() {
                    errors.push(format!(
                        "{here}: {type_name} is a leaf and takes no selection"
                    ));
                }
            }
        }
    }

    fn value(
        &self,
        type_ref: &Value,
        value: &q::Value<String>,
        here: &str,
        errors: &mut Vec<String>,
    ) {
        let type_name = named(type_ref);
        match value {
            q::Value::Variable(v) if !self.declared.contains(v) => {
                errors.push(format!("{here}: variable ${v} is not declared"));
            }
            q::Value::Enum(e) => {
                let members: Vec<&str> = self.schema.types[type_name]["enumValues"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v["name"].as_str()).collect())
                    .unwrap_or_default();
                if !members.contains(&e.as_str()) {
                    errors.push(format!("{here}: {e} is not a {type_name}"));
                }
            }
            q::Value::List(items) => {
                for item in items {
                    self.value(type_ref, item, here, errors);
                }
            }
            q::Value::Object(fields) => {
                let inputs = self.schema.types[type_name]["inputFields"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for (k, v) in fields {
                    match inputs.iter().find(|i| i["name"] == k.as_str()) {
                        Some(input) => {
                            self.value(&input["type"], v, &format!("{here}.{k}"), errors)
                        }
                        None => errors.push(format!("{here}: {type_name} has no field {k}")),
                    }
                }
            }
            _ => {}
        }
    }
}
