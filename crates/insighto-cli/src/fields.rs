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

/// The argument ids of a field's two flags, in a namespace of their own so that no
/// field can take another argument's id.
fn set_id(field: &str) -> String {
    format!("field:{field}")
}

fn clear_id(field: &str) -> String {
    format!("field:clear:{field}")
}

/// The long flag of a field: its name with dashes, or `field-<name>` when another
/// option of the command already has that name (a spec field called `json` or
/// `timeout` must not shadow `--json` or `--timeout`).
fn long_flag(field: &str, taken: &[String]) -> String {
    let flag = field.replace('_', "-");
    let clear = format!("clear-{flag}");
    if taken.iter().any(|t| *t == flag || *t == clear) {
        format!("field-{flag}")
    } else {
        flag
    }
}

/// The long flags already in use: the command's own and the global options.
fn taken_flags(cmd: &Command) -> Vec<String> {
    let globals = <crate::Globals as Args>::augment_args(Command::new("globals"));
    let own = cmd.get_arguments().chain(globals.get_arguments());
    own.filter_map(|arg| arg.get_long().map(str::to_owned))
        .chain(["help".to_owned(), "version".to_owned()])
        .collect()
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
            // Parsed and checked once, by the flag's value parser.
            let value = match matches.get_one::<Value>(&set_id(&field.name)) {
                Some(value) => value.clone(),
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
        add_flags(cmd, fields())
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// Adds `--<field>` and `--clear-<field>` for each of `fields`.
fn add_flags(cmd: Command, fields: &'static [Field]) -> Command {
    let taken = taken_flags(&cmd);
    let mut cmd = cmd.next_help_heading("Fields");
    for field in fields {
        let name = field.name.as_str();
        // Each value is checked alone as the body would carry it, so that a bad one is
        // refused by clap, naming its flag.
        let check = move |text: &str| -> Result<Value, String> {
            let value = parse(field, text)?;
            update(Map::from_iter([(field.name.clone(), value.clone())]))?;
            Ok(value)
        };
        let about = field.description.as_deref().unwrap_or(name);
        let long = long_flag(name, &taken);
        cmd = cmd
            .arg(
                Arg::new(set_id(name))
                    .long(long.clone())
                    .value_name(value_name(field.kind))
                    .value_parser(check)
                    .help(format!("Set {name}: {about}")),
            )
            .arg(
                Arg::new(clear_id(name))
                    .long(format!("clear-{long}"))
                    .action(ArgAction::SetTrue)
                    .conflicts_with(set_id(name))
                    .help(format!("Clear {name} (send null)")),
            );
    }
    cmd
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
    fn a_field_named_like_an_option_gets_a_flag_of_its_own() {
        let field = |name: &str| Field {
            name: name.to_owned(),
            kind: Kind::Boolean,
            nullable: true,
            required: false,
            description: None,
            schema: serde_json::json!({"type": "boolean"}),
        };
        let fields: &'static [Field] = Box::leak(Box::new([
            field("json"),
            field("timeout"),
            field("nickname"),
        ]));
        let cmd =
            Command::new("update").arg(Arg::new("json").long("json").action(ArgAction::SetTrue));
        let cmd = add_flags(cmd, fields);
        cmd.clone().debug_assert();
        let longs: Vec<&str> = cmd.get_arguments().filter_map(Arg::get_long).collect();
        for wanted in [
            "json",
            "field-json",
            "clear-field-json",
            "field-timeout",
            "nickname",
            "clear-nickname",
        ] {
            assert!(longs.contains(&wanted), "{wanted} missing from {longs:?}");
        }
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
