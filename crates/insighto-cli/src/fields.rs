//! The `profile update` flags: `--<field>` and `--clear-<field>` for every property of
//! the spec's `UserProfileUpdate`, read from `openapi.yaml` (the `insighto-spec` copy
//! the client is generated from). A field added to the spec gets its flags, its value
//! parser and its help text here with no edit: the flags build the update body as JSON,
//! which the generated `UserProfileUpdate` then reads.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use insighto::{Timestamp, types::UserProfileUpdate};
use insighto_spec::{Field, Kind, Spec};
use serde_json::{Map, Value};

/// The component whose properties become flags.
const UPDATE_SCHEMA: &str = "UserProfileUpdate";

/// Every updatable field, in the spec's order.
pub fn fields() -> &'static [Field] {
    static FIELDS: std::sync::OnceLock<Vec<Field>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| Spec::bundled().component_fields(UPDATE_SCHEMA))
}

/// The JSON value of a flag's text, by the field's kind.
fn parse(field: &Field, text: &str) -> Result<Value, String> {
    match field.kind {
        Kind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} is not a boolean (use true or false)")),
        },
        Kind::Uuid => text
            .parse::<uuid::Uuid>()
            .map(|id| Value::String(id.to_string()))
            .map_err(|_| format!("{text:?} is not a uuid")),
        Kind::DateTime => text
            .parse::<Timestamp>()
            .map_err(|_| {
                format!("{text:?} is not a date-time (RFC 3339, such as 1990-12-10T00:00:00Z)")
            })
            .and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string())),
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{text:?} is not an integer")),
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{text:?} is not a number")),
        Kind::Array | Kind::Object | Kind::Other => {
            serde_json::from_str(text).map_err(|e| format!("{text:?} is not JSON: {e}"))
        }
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// The update body the given values make: `None` clears a field (sends null).
fn update(values: Map<String, Value>) -> Result<UserProfileUpdate, String> {
    serde_json::from_value(Value::Object(values)).map_err(|e| e.to_string())
}

fn value_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "EMAIL",
        Kind::Boolean => "BOOL",
        Kind::Uuid => "UUID",
        Kind::DateTime => "DATETIME",
        Kind::Integer => "INTEGER",
        Kind::Number => "NUMBER",
        Kind::Array | Kind::Object | Kind::Other => "JSON",
        _ => "TEXT",
    }
}

fn flag(field: &str) -> String {
    field.replace('_', "-")
}

fn clear_id(field: &str) -> String {
    format!("clear_{field}")
}

/// The parsed `profile update` flags.
#[derive(Debug, Clone, Default)]
pub struct UpdateFlags {
    pub update: UserProfileUpdate,
    pub changed: usize,
}

impl FromArgMatches for UpdateFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = Self::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        let invalid = |e: String| clap::Error::raw(clap::error::ErrorKind::ValueValidation, e);
        let mut values = Map::new();
        for field in fields() {
            let value = match matches.get_one::<String>(&field.name) {
                Some(text) => parse(field, text).map_err(invalid)?,
                None if matches.get_flag(&clear_id(&field.name)) => Value::Null,
                None => continue,
            };
            values.insert(field.name.clone(), value);
        }
        self.changed = values.len();
        self.update = update(values).map_err(invalid)?;
        Ok(())
    }
}

impl Args for UpdateFlags {
    fn augment_args(cmd: Command) -> Command {
        let mut cmd = cmd.next_help_heading("Fields");
        for field in fields() {
            let name = field.name.as_str();
            // Each value is checked alone as the body would carry it, so that a bad one
            // is refused by clap, naming its flag.
            let check = move |text: &str| -> Result<String, String> {
                let value = parse(field, text)?;
                update(Map::from_iter([(field.name.clone(), value)]))?;
                Ok(text.to_owned())
            };
            let about = field.description.as_deref().unwrap_or(name);
            cmd = cmd
                .arg(
                    Arg::new(name)
                        .long(flag(name))
                        .value_name(value_name(field.kind))
                        .value_parser(check)
                        .help(format!("Set {name}: {about}")),
                )
                .arg(
                    Arg::new(clear_id(name))
                        .long(format!("clear-{}", flag(name)))
                        .action(ArgAction::SetTrue)
                        .conflicts_with(name)
                        .help(format!("Clear {name} (send null)")),
                );
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_cover_exactly_the_update_type() {
        let schema = serde_json::to_value(schemars::schema_for!(UserProfileUpdate)).unwrap();
        let mut in_type: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut in_cli: Vec<&str> = fields().iter().map(|f| f.name.as_str()).collect();
        in_type.sort_unstable();
        in_cli.sort_unstable();
        assert_eq!(in_cli, in_type);
    }

    #[test]
    fn values_are_parsed_by_the_spec_kind_and_land_in_the_typed_update() {
        let field = |name: &str| fields().iter().find(|f| f.name == name).unwrap();
        let body = update(Map::from_iter([
            (
                "is_paying".into(),
                parse(field("is_paying"), "true").unwrap(),
            ),
            ("phone".into(), Value::Null),
            (
                "birthdate".into(),
                parse(field("birthdate"), "1990-12-10T00:00:00Z").unwrap(),
            ),
        ]))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"is_paying": true, "phone": null, "birthdate": "1990-12-10T00:00:00Z"})
        );
        assert!(
            parse(field("is_paying"), "yes")
                .unwrap_err()
                .contains("boolean")
        );
        assert!(parse(field("role_id"), "x").unwrap_err().contains("uuid"));
        assert!(
            parse(field("birthdate"), "soon")
                .unwrap_err()
                .contains("date-time")
        );
    }
}
