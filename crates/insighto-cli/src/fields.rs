//! The `profile update` flags: `--<field>` and `--clear-<field>` for every field of
//! `UserProfileUpdate`. The list is checked against the type's JSON Schema by a test,
//! so a field added to the spec cannot be missed silently.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use insighto::{Patch, Timestamp, types::UserProfileUpdate};

/// How a flag's value is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Email,
    Bool,
    Uuid,
    DateTime,
}

macro_rules! update_fields {
    ($($field:ident: $kind:ident),* $(,)?) => {
        /// Every updatable field and how its value is parsed.
        pub const FIELDS: &[(&str, Kind)] = &[$((stringify!($field), Kind::$kind)),*];

        /// Sets one field of `update`: `None` clears it.
        fn apply(update: &mut UserProfileUpdate, field: &str, value: Option<&str>) -> Result<(), String> {
            match field {
                $(stringify!($field) => {
                    update.$field = Some(match value {
                        None => Patch::Clear,
                        Some(v) => Patch::Set(update_fields!(@parse $kind, v)),
                    });
                })*
                other => return Err(format!("unknown field {other}")),
            }
            Ok(())
        }
    };
    (@parse Text, $v:expr) => { $v.to_owned() };
    (@parse Email, $v:expr) => { $v.to_owned() };
    (@parse Bool, $v:expr) => { parse_bool($v)? };
    (@parse Uuid, $v:expr) => { parse_uuid($v)? };
    (@parse DateTime, $v:expr) => { parse_datetime($v)? };
}

update_fields! {
    first_name: Text,
    last_name: Text,
    email: Email,
    is_active: Bool,
    is_superuser: Bool,
    birthdate: DateTime,
    is_enterprise: Bool,
    role_id: Uuid,
    phone: Text,
    state: Text,
    country: Text,
    address: Text,
    active_billing_plan_id: Uuid,
    next_billing_plan_id: Uuid,
    stripe_customer_id: Text,
    stripe_subscription_id: Text,
    stripe_subscription_status: Text,
    stripe_has_payment_method: Bool,
    is_trial: Bool,
    used_trial: Bool,
    is_paying: Bool,
    stripe_last_payment_date: DateTime,
    billing_updated_at: DateTime,
    last_credits_refresh: DateTime,
    next_credits_refresh: DateTime,
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{v:?} is not a boolean (use true or false)")),
    }
}

fn parse_uuid(v: &str) -> Result<uuid::Uuid, String> {
    v.parse().map_err(|_| format!("{v:?} is not a uuid"))
}

fn parse_datetime(v: &str) -> Result<Timestamp, String> {
    v.parse()
        .map_err(|_| format!("{v:?} is not a date-time (RFC 3339, such as 1990-12-10T00:00:00Z)"))
}

fn flag(field: &str) -> String {
    field.replace('_', "-")
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
        for (field, _) in FIELDS {
            let value = matches.get_one::<String>(field).map(String::as_str);
            let clear = matches.get_flag(&format!("clear_{field}"));
            if value.is_some() || clear {
                apply(&mut self.update, field, value)
                    .map_err(|e| clap::Error::raw(clap::error::ErrorKind::ValueValidation, e))?;
                self.changed += 1;
            }
        }
        Ok(())
    }
}

impl Args for UpdateFlags {
    fn augment_args(cmd: Command) -> Command {
        let mut cmd = cmd.next_help_heading("Fields");
        for &(field, kind) in FIELDS {
            let value_name = match kind {
                Kind::Text => "TEXT",
                Kind::Email => "EMAIL",
                Kind::Bool => "BOOL",
                Kind::Uuid => "UUID",
                Kind::DateTime => "DATETIME",
            };
            let check = move |v: &str| -> Result<String, String> {
                let mut probe = UserProfileUpdate::default();
                apply(&mut probe, field, Some(v)).map(|()| v.to_owned())
            };
            let clear = format!("clear_{field}");
            cmd = cmd
                .arg(
                    Arg::new(field)
                        .long(flag(field))
                        .value_name(value_name)
                        .value_parser(check)
                        .help(format!("Set {field}")),
                )
                .arg(
                    Arg::new(clear.clone())
                        .long(format!("clear-{}", flag(field)))
                        .action(ArgAction::SetTrue)
                        .conflicts_with(field)
                        .help(format!("Clear {field} (send null)")),
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
    fn flags_cover_exactly_the_update_schema() {
        let schema = serde_json::to_value(schemars::schema_for!(UserProfileUpdate)).unwrap();
        let mut in_schema: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut in_cli: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
        in_schema.sort_unstable();
        in_cli.sort_unstable();
        assert_eq!(in_cli, in_schema);
    }
}
