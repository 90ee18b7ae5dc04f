//! The forgiving second read of a success body the generated decoder refused.

use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

/// An envelope without `meta` (or with `meta: null`) reads as one with an empty `meta`:
/// absent means empty, as for the profile's fields. `None` if that does not help.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let envelope = value.as_object_mut()?;
    match envelope.get("meta") {
        None | Some(Value::Null) => {
            envelope.insert("meta".to_owned(), Value::Object(Default::default()));
        }
        Some(_) => return None,
    }
    serde_json::from_value(value).ok()
}

/// `data.id` of an envelope whose other fields may not decode.
pub(crate) fn profile_id(body: &[u8]) -> Option<Uuid> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value["data"]["id"].as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::UserProfileResponse;

    #[test]
    fn absent_meta_is_empty_and_the_id_survives_bad_fields() {
        let id = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
        let body = format!(r#"{{"message": "ok", "data": {{"id": "{id}"}}}}"#);
        let envelope: UserProfileResponse = decode(body.as_bytes()).unwrap();
        assert!(envelope.meta.is_empty());
        assert_eq!(envelope.data.id.to_string(), id);
        let with_meta = r#"{"message": "ok", "meta": {}, "data": {"id": 5}}"#;
        assert!(decode::<UserProfileResponse>(with_meta.as_bytes()).is_none());
        let bad = format!(r#"{{"data": {{"id": "{id}", "birthdate": "+10000-01-01T00:00:00Z"}}}}"#);
        assert!(decode::<UserProfileResponse>(bad.as_bytes()).is_none());
        assert_eq!(profile_id(bad.as_bytes()).unwrap().to_string(), id);
    }
}

#[cfg(test)]
mod float_tests {
    use crate::types::UserProfileResponse;

    /// Found by the `decode` fuzz target: a number in `meta` must read as exactly the
    /// number sent, or it re-encodes as another one.
    #[test]
    fn numbers_read_exactly_and_re_encode_the_same() {
        let body = r#"{"message":"ok","meta":{"n":-1.555e44},"data":{"id":"3c90c3cc-0d44-4b50-444d-48d25736052a"}}"#;
        let envelope: UserProfileResponse = serde_json::from_str(body).unwrap();
        let json = serde_json::to_string(&envelope).unwrap();
        let again: UserProfileResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&again).unwrap(), json);
        assert!(json.contains("-1.555e+44"), "{json}");
    }
}
