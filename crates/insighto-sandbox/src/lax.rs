//! Values as pydantic v2 accepts them in its default (lax) mode, and written back the way
//! pydantic serialises them, so a client sees from the sandbox what FastAPI would answer.
//!
//! Each check returns the normalised JSON value or pydantic's error `(type, message)`.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::{Value, json};

/// A validation failure: pydantic's error type and message.
pub type Refusal = (&'static str, String);

fn refuse(kind: &'static str, msg: impl Into<String>) -> Refusal {
    (kind, msg.into())
}

/// `bool`: true/false, 0/1 (also as floats), and the strings pydantic knows.
pub fn boolean(value: &Value) -> Result<Value, Refusal> {
    let parsing = || {
        refuse(
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        )
    };
    let wrong_type = || refuse("bool_type", "Input should be a valid boolean");
    match value {
        Value::Bool(b) => Ok(json!(b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return match i {
                    0 => Ok(json!(false)),
                    1 => Ok(json!(true)),
                    _ => Err(parsing()),
                };
            }
            if n.is_u64() {
                return Err(parsing());
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            match f {
                0.0 => Ok(json!(false)),
                1.0 => Ok(json!(true)),
                f if f.fract() == 0.0 && f.abs() < 9.2e18 => Err(parsing()),
                _ => Err(wrong_type()),
            }
        }
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(json!(true)),
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(json!(false)),
            _ => Err(parsing()),
        },
        _ => Err(wrong_type()),
    }
}

/// `UUID`: the forms the `uuid` crate parses (pydantic-core uses it): hyphenated,
/// 32 hex digits, braced, `urn:uuid:`; any case. Written hyphenated, lowercase.
pub fn uuid(value: &Value) -> Result<Value, Refusal> {
    match value {
        Value::String(s) => parse_uuid(s).map(|id| json!(id.hyphenated().to_string())),
        _ => Err(refuse(
            "uuid_type",
            "UUID input should be a string, bytes or UUID object",
        )),
    }
}

/// A uuid in any form pydantic accepts (also for the `user_id` path parameter).
pub fn parse_uuid(s: &str) -> Result<uuid::Uuid, Refusal> {
    uuid::Uuid::try_parse(s)
        .map_err(|e| refuse("uuid_parsing", format!("Input should be a valid UUID, {e}")))
}

/// `datetime`: RFC 3339 and the looser ISO 8601 forms pydantic takes (space, `_` or `t`
/// as separator, no seconds, `,` fraction, `+HHMM`), naive date-times, bare dates
/// (midnight, naive), and unix timestamps as numbers or numeric strings (seconds, or
/// milliseconds beyond 2e10). Naive values stay naive; an offset is kept as sent.
///
/// One deliberate difference: a value whose UTC form falls outside years 1-9999 is
/// refused (pydantic accepts `9999-12-31T23:59:59-23:59`), because no client or
/// database could represent it, and storing it would make the profile unreadable.
pub fn datetime(value: &Value) -> Result<Value, Refusal> {
    let parsed = match value {
        Value::Number(n) => timestamp(n.as_i64(), n.as_f64().unwrap_or(f64::MAX))?,
        Value::String(s) => {
            if is_numeric(s) {
                let f: f64 = s.parse().map_err(|_| too_short())?;
                timestamp(s.parse().ok(), f)?
            } else {
                iso(s)?
            }
        }
        _ => return Err(refuse("datetime_type", "Input should be a valid datetime")),
    };
    if let Stamp::Aware(dt) = &parsed {
        let year = dt.with_timezone(&Utc).year();
        if !(1..=9999).contains(&year) {
            return Err(refuse(
                "datetime_parsing",
                "Input should be a valid datetime, its UTC form must fall in years 1 to 9999",
            ));
        }
    }
    Ok(json!(parsed.to_string()))
}

enum Stamp {
    Naive(NaiveDateTime),
    Aware(DateTime<FixedOffset>),
}

impl std::fmt::Display for Stamp {
    /// pydantic's JSON form: microseconds only when non-zero, `Z` for UTC.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let naive = match self {
            Stamp::Naive(n) => *n,
            Stamp::Aware(dt) => dt.naive_local(),
        };
        write!(f, "{}", naive.format("%Y-%m-%dT%H:%M:%S"))?;
        let micros = naive.and_utc().timestamp_subsec_micros();
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        if let Stamp::Aware(dt) = self {
            match dt.offset().local_minus_utc() {
                0 => f.write_str("Z")?,
                secs => {
                    let sign = if secs < 0 { '-' } else { '+' };
                    let secs = secs.abs();
                    write!(f, "{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)?;
                }
            }
        }
        Ok(())
    }
}

fn too_short() -> Refusal {
    from_date("input is too short")
}

fn from_date(reason: &str) -> Refusal {
    refuse(
        "datetime_from_date_parsing",
        format!("Input should be a valid datetime or date, {reason}"),
    )
}

fn is_numeric(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A unix timestamp: seconds, or milliseconds when its magnitude exceeds 2e10.
fn timestamp(int: Option<i64>, float: f64) -> Result<Stamp, Refusal> {
    let out_of_range = |after: bool| {
        let which = if after { "after 9999" } else { "before 0000" };
        refuse(
            "datetime_parsing",
            format!(
                "Input should be a valid datetime, dates {which} are not supported as unix timestamps"
            ),
        )
    };
    let micros: i128 = match int {
        Some(i) if i.unsigned_abs() > 20_000_000_000 => i128::from(i) * 1_000,
        Some(i) => i128::from(i) * 1_000_000,
        None if !float.is_finite() || float.abs() > 1e17 => return Err(out_of_range(float > 0.0)),
        None if float.abs() > 2e10 => (float * 1_000.0).round() as i128,
        None => (float * 1_000_000.0).round() as i128,
    };
    let secs = micros.div_euclid(1_000_000);
    let sub = micros.rem_euclid(1_000_000) as u32;
    let dt = i64::try_from(secs)
        .ok()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, sub * 1_000))
        .filter(|dt| (1..=9999).contains(&dt.year()))
        .ok_or_else(|| out_of_range(micros > 0))?;
    Ok(Stamp::Aware(dt.fixed_offset()))
}

/// `YYYY-MM-DD[(T|t| |_)HH:MM[:SS[(.|,)fraction]][Z|z|±HH:MM|±HHMM]]`.
fn iso(s: &str) -> Result<Stamp, Refusal> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() < 10 {
        return Err(too_short());
    }
    let year = num(0..4).ok_or_else(|| from_date("invalid character in year"))?;
    if b[4] != b'-' || b[7] != b'-' {
        return Err(from_date("invalid date separator, expected `-`"));
    }
    let (month, day) = (num(5..7), num(8..10));
    let (Some(month), Some(day)) = (month, day) else {
        return Err(from_date("invalid character in month or day"));
    };
    if year == 0 {
        return Err(refuse(
            "datetime_parsing",
            "Input should be a valid datetime, year 0 is out of range",
        ));
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| {
        from_date(if (1..=12).contains(&month) {
            "day value is outside expected range"
        } else {
            "month value is outside expected range"
        })
    })?;
    if b.len() == 10 {
        return Ok(Stamp::Naive(date.and_time(NaiveTime::MIN)));
    }
    let extra = || from_date("unexpected extra characters at the end of the input");
    if !matches!(b[10], b'T' | b't' | b' ' | b'_') || b.len() < 16 || b[13] != b':' {
        return Err(extra());
    }
    let hour = num(11..13).ok_or_else(extra)?;
    let minute = num(14..16).ok_or_else(extra)?;
    let mut i = 16;
    let mut second = 0;
    let mut micro = 0;
    if b.get(i) == Some(&b':') {
        second = num(i + 1..i + 3).ok_or_else(extra)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(extra());
            }
            // Digits past the sixth are dropped, as pydantic does.
            let kept = num(i + 1..i + 1 + digits.min(6)).ok_or_else(extra)?;
            micro = kept * 10u32.pow(6 - digits.min(6) as u32);
            i += 1 + digits;
        }
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro).ok_or_else(extra)?;
    let naive = date.and_time(time);
    let offset = match &b[i..] {
        [] => return Ok(Stamp::Naive(naive)),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [_, _, b':', _, _] => (num(i + 1..i + 3), num(i + 4..i + 6)),
                [_, _, _, _] => (num(i + 1..i + 3), num(i + 3..i + 5)),
                _ => (None, None),
            };
            let (Some(h), Some(m)) = (h, m) else {
                return Err(extra());
            };
            if h >= 24 || m >= 60 {
                return Err(extra());
            }
            let secs = (h * 3600 + m * 60) as i32;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return Err(extra()),
    };
    let offset = FixedOffset::east_opt(offset).ok_or_else(extra)?;
    naive
        .and_local_timezone(offset)
        .single()
        .map(Stamp::Aware)
        .ok_or_else(extra)
}

/// `EmailStr`: an address as the `email-validator` package accepts it with pydantic's
/// settings (no deliverability check, global domains only, optional `Name <addr>`
/// form), written in its normalised form (domain lowercased).
pub fn email(value: &Value) -> Result<Value, Refusal> {
    let Value::String(s) = value else {
        return Err(refuse("string_type", "Input should be a valid string"));
    };
    normalize_email(s).map(|e| json!(e)).map_err(|reason| {
        refuse(
            "value_error",
            format!("value is not a valid email address: {reason}"),
        )
    })
}

const SPECIAL_USE_DOMAINS: &[&str] = &["arpa", "invalid", "local", "localhost", "onion", "test"];

fn normalize_email(input: &str) -> Result<String, &'static str> {
    if input.chars().count() > 2048 {
        return Err("Length must not exceed 2048 characters");
    }
    let address = strip_display_name(input).trim();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("An email address must have an @-sign.");
    };
    if local.is_empty() {
        return Err("There must be something before the @-sign.");
    }
    if domain.is_empty() {
        return Err("There must be something after the @-sign.");
    }
    if local.starts_with('"') {
        return Err("Quoting the part before the @-sign is not allowed here.");
    }
    if local.chars().count() > 64 {
        return Err("The email address is too long before the @-sign.");
    }
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
    };
    if !local.chars().all(|c| c == '.' || atext(c)) {
        return Err("The email address contains invalid characters before the @-sign.");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(
            "An email address cannot have a period at the start or end, or two periods in a row.",
        );
    }
    let domain = domain.to_lowercase();
    if domain.starts_with('-') {
        return Err("An email address cannot have a hyphen immediately after the @-sign.");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if domain.len() > 253 || !domain.split('.').all(label_ok) {
        return Err("The part after the @-sign is not valid.");
    }
    if !domain.contains('.') {
        return Err("The part after the @-sign is not valid. It should have a period.");
    }
    if !domain.ends_with(|c: char| c.is_alphabetic()) {
        return Err(
            "The part after the @-sign is not valid. It is not within a valid top-level domain.",
        );
    }
    if SPECIAL_USE_DOMAINS
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    {
        return Err(
            "The part after the @-sign is a special-use or reserved name that cannot be used with email.",
        );
    }
    let normalized = format!("{local}@{domain}");
    if normalized.chars().count() > 254 {
        return Err("The email address is too long.");
    }
    Ok(normalized)
}

/// `Ada Lovelace <ada@example.com>` or `"Ada" <ada@example.com>` gives the address.
fn strip_display_name(input: &str) -> &str {
    let trimmed = input.trim();
    let (Some(open), true) = (trimmed.find('<'), trimmed.ends_with('>')) else {
        return input;
    };
    let name = trimmed[..open].trim();
    let name_ok = name.is_empty()
        || (name.len() >= 2 && name.starts_with('"') && name.ends_with('"'))
        || name.split_whitespace().all(|word| {
            word.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || "!#$%&'*+-/=?^`{|}~".contains(c))
        });
    let inner = &trimmed[open + 1..trimmed.len() - 1];
    if name_ok && !inner.is_empty() {
        inner
    } else {
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are what pydantic 2.14 answers (`TypeAdapter(datetime)`).
    #[test]
    fn datetimes_as_pydantic_reads_and_writes_them() {
        let ok = [
            (json!("2024-05-01T10:20:30Z"), "2024-05-01T10:20:30Z"),
            (
                json!("2024-05-01T10:20:30.5+01:00"),
                "2024-05-01T10:20:30.500000+01:00",
            ),
            (
                json!("2024-05-01T10:20:30.123456789Z"),
                "2024-05-01T10:20:30.123456Z",
            ),
            (json!("2024-05-01 10:20:30"), "2024-05-01T10:20:30"),
            (json!("2024-05-01t10:20:30z"), "2024-05-01T10:20:30Z"),
            (json!("2024-05-01_10:20"), "2024-05-01T10:20:00"),
            (json!("2024-05-01"), "2024-05-01T00:00:00"),
            (
                json!("2024-05-01T10:20:30+0100"),
                "2024-05-01T10:20:30+01:00",
            ),
            (json!("2024-05-01T10:20:30-00:00"), "2024-05-01T10:20:30Z"),
            (
                json!("2024-05-01T10:20:30,5Z"),
                "2024-05-01T10:20:30.500000Z",
            ),
            (json!(1700000000), "2023-11-14T22:13:20Z"),
            (json!(1700000000.5), "2023-11-14T22:13:20.500000Z"),
            (json!("1700000000"), "2023-11-14T22:13:20Z"),
            (json!("-1"), "1969-12-31T23:59:59Z"),
            (json!(20000000001_i64), "1970-08-20T11:33:20.001000Z"),
            (json!(-20000000000_i64), "1336-03-23T12:26:40Z"),
            (json!(1700000000.1234567), "2023-11-14T22:13:20.123457Z"),
        ];
        for (input, expected) in ok {
            assert_eq!(datetime(&input), Ok(json!(expected)), "{input}");
        }
        let refused = [
            (json!("2024-05-01T10"), "datetime_from_date_parsing"),
            (json!("2024-02-30T00:00:00"), "datetime_from_date_parsing"),
            (json!("2024-05-01T24:00:00"), "datetime_from_date_parsing"),
            (json!("2024-05-01T10:20:60Z"), "datetime_from_date_parsing"),
            (
                json!("2024-05-01T10:20:30+24:00"),
                "datetime_from_date_parsing",
            ),
            (json!("2024-05-01Z"), "datetime_from_date_parsing"),
            (json!("1e5"), "datetime_from_date_parsing"),
            (json!(" 2024-05-01"), "datetime_from_date_parsing"),
            (json!("0000-01-01T00:00:00+23:59"), "datetime_parsing"),
            (json!(253402300800000_i64), "datetime_parsing"),
            (json!(1e20), "datetime_parsing"),
            (json!(true), "datetime_type"),
            // Stricter than pydantic on purpose: UTC year 10000 and year 0.
            (json!("9999-12-31T23:59:59-23:59"), "datetime_parsing"),
            (json!("0001-01-01T00:00:00+01:00"), "datetime_parsing"),
        ];
        for (input, kind) in refused {
            assert_eq!(datetime(&input).map_err(|e| e.0), Err(kind), "{input}");
        }
    }

    #[test]
    fn booleans_uuids_and_emails_as_pydantic_reads_them() {
        for (input, expected) in [
            (json!(1), Ok(true)),
            (json!(0.0), Ok(false)),
            (json!("YES"), Ok(true)),
            (json!("off"), Ok(false)),
            (json!(2), Err("bool_parsing")),
            (json!(2.0), Err("bool_parsing")),
            (json!(1.5), Err("bool_type")),
            (json!(" true"), Err("bool_parsing")),
            (json!([]), Err("bool_type")),
        ] {
            assert_eq!(
                boolean(&input)
                    .map(|v| v.as_bool().unwrap())
                    .map_err(|e| e.0),
                expected,
                "{input}"
            );
        }
        let id = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
        for form in [
            "3C90C3CC0D444B5088888DD25736052A",
            "{3c90c3cc-0d44-4b50-8888-8dd25736052a}",
            "urn:uuid:3c90c3cc-0d44-4b50-8888-8dd25736052a",
        ] {
            assert_eq!(uuid(&json!(form)), Ok(json!(id)), "{form}");
        }
        assert_eq!(uuid(&json!(5)).unwrap_err().0, "uuid_type");
        for (input, expected) in [
            ("A@EXAMPLE.COM", Some("A@example.com")),
            ("Ada <A.B+c@Sub.Example.ORG>", Some("A.B+c@sub.example.org")),
            (" a@b.co ", Some("a@b.co")),
            ("ü@bücher.de", Some("ü@bücher.de")),
            ("a@example.example", Some("a@example.example")),
            ("a@localhost", None),
            ("a@example.test", None),
            ("a..b@c.de", None),
            ("x@123.123", None),
            ("a b@c.de", None),
            ("a@-b.co", None),
            ("\"a\"@b.co", None),
        ] {
            assert_eq!(
                email(&json!(input)).ok(),
                expected.map(|e| json!(e)),
                "{input}"
            );
        }
    }
}
